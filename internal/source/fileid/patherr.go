package fileid

import (
	"errors"
	"io/fs"
)

// unwrapPath returns the cause of an os error, whose text already names
// its operation and path: the caller names them once.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
