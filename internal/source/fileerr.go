package source

import (
	"errors"
	"fmt"
	"io/fs"
)

// fileError says what could not be done to which file and why, once:
// "cannot open /var/log/x.log: permission denied". The os package's own
// errors already start with their operation and path ("open /var/log/x.log:
// ..."), which wrapped as they are would name both twice. The cause stays
// wrapped, so errors.Is(err, fs.ErrNotExist) and fs.ErrPermission hold.
func fileError(verb, name string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("cannot %s %s: %w", verb, name, err)
}
