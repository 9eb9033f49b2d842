package checkpoint

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"
)

// CorruptError says the checkpoint file was not valid and has been moved
// aside. Open returns it together with a usable Store and no entries: the
// daemon logs it as a warning and continues with empty state, because
// refusing to start would stop log shipping over a file the operator cannot
// repair anyway, and trusting it could skip or resend arbitrary data. The
// moved file is kept so that the operator can see what happened.
type CorruptError struct {
	// Path is the checkpoint file that was found invalid.
	Path string
	// Reason says what is wrong with it, e.g. "all zero bytes".
	Reason string
	// MovedTo is where the file now is.
	MovedTo string
}

// Error names the file, the reason and where the file was moved, which is
// everything an operator needs to investigate.
func (e *CorruptError) Error() string {
	return fmt.Sprintf("checkpoint file %s is not valid (%s): moved it to %s and starting with no checkpoints", e.Path, e.Reason, e.MovedTo)
}

// moveAside renames the invalid file at path to path.corrupt-<unix seconds>,
// adding -1, -2, ... if that name is taken so that an earlier corrupt file is
// never overwritten, and syncs dir so the rename survives a crash. It returns
// the new name.
func moveAside(dir, path string, now time.Time) (string, error) {
	base := path + ".corrupt-" + strconv.FormatInt(now.Unix(), 10)
	for i := 0; i < 1000; i++ {
		to := base
		if i > 0 {
			to += "-" + strconv.Itoa(i)
		}
		if _, err := os.Lstat(to); err == nil {
			continue
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("move corrupt %s aside: %w", path, err)
		}
		if err := os.Rename(path, to); err != nil {
			return "", fmt.Errorf("move corrupt %s aside: %w", path, err)
		}
		if err := syncDir(dir); err != nil {
			return "", err
		}
		return to, nil
	}
	return "", fmt.Errorf("move corrupt %s aside: too many %s* files", path, base)
}
