package checkpoint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Store is the checkpoint file in a state directory, held under an exclusive
// lock for as long as the Store is open, so that no other daemon writes the
// same file. It remembers what it last loaded or saved, so that the daemon
// can call Save every second and only pay for a write when something moved.
// Its methods are safe for concurrent use.
type Store struct {
	dir  string
	path string

	mu   sync.Mutex
	lock *os.File // nil once closed
	// last is the compact encoding of the canonical entries last loaded or
	// saved, nil when there were none (no file yet, or a corrupt one).
	last []byte
	// lastStreams is the same for streams.json (see Positions).
	lastStreams []byte
}

// Open creates dir if missing (mode 0750), takes an exclusive non-blocking
// lock on dir/lock and loads dir/checkpoints.json, returning its entries.
//
// A missing file gives no entries: it is the first start. A file that is not
// valid is moved aside to checkpoints.json.corrupt-<unix seconds>, and Open
// returns no entries and a *CorruptError together with a usable Store: the
// caller logs a warning and continues with empty state.
//
// Any other error is one the operator must fix (the directory cannot be
// created or written, or another logspan holds it); it names the directory
// and the Store is nil.
func Open(dir string) (*Store, []Entry, error) {
	if dir == "" {
		return nil, nil, errors.New("state directory is empty (set --state-dir to a writable directory)")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, nil, operatorError(dir, err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, nil, err
	}
	removeTemps(dir)
	s := &Store{dir: dir, path: filepath.Join(dir, fileName), lock: lock}
	entries, err := s.load()
	var corrupt *CorruptError
	if err != nil && !errors.As(err, &corrupt) {
		_ = unlockDir(lock) // the load error is the one to report
		return nil, nil, err
	}
	return s, entries, err
}

// operatorError wraps an error that stops the daemon from using dir and says
// how to fix it, since the operator is the one who reads it.
func operatorError(dir string, err error) error {
	return fmt.Errorf("state directory %s: %w (set --state-dir to a writable directory; the systemd unit's StateDirectory= creates it)", dir, err)
}

// load reads and validates the checkpoint file, moving an invalid one aside.
func (s *Store) load() ([]Entry, error) {
	entries, found, err := readState(s.dir, s.path, decodeFile)
	if !found || err != nil {
		return nil, err
	}
	key, err := json.Marshal(canonical(entries))
	if err != nil {
		return nil, fmt.Errorf("encode checkpoints loaded from %s: %w", s.path, err)
	}
	s.last = key
	return entries, nil
}

// readState reads the state file at path in dir through decode, the one
// way both state files are loaded; found says the file was there and
// valid. A missing file is not found, with no error; one decode refuses is
// moved aside and reported as a *CorruptError; a file that cannot be read
// stops the daemon with an error saying how to fix the directory.
func readState[T any](dir, path string, decode func([]byte) (T, error)) (v T, found bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return v, false, nil
	}
	if err != nil {
		return v, false, operatorError(dir, err)
	}
	v, reason := decode(data)
	if reason != nil {
		to, err := moveAside(dir, path, time.Now())
		if err != nil {
			return v, false, operatorError(dir, fmt.Errorf("%s is not valid (%v) and cannot be moved aside: %w", path, reason, err))
		}
		return v, false, &CorruptError{Path: path, Reason: reason.Error(), MovedTo: to}
	}
	return v, true, nil
}

// Save writes entries to the checkpoint file atomically: a temp file
// checkpoints.json.tmp-<random> in the state directory is written, fsynced,
// closed and renamed over the old file, and the directory is fsynced, so a
// crash leaves either the old or the new checkpoints, complete.
//
// It returns (false, nil) without writing when entries equal what was last
// saved or loaded, so calling it every second costs nothing while no offset
// moves. The comparison ignores order and the file's "written" time.
//
// Entries are written sorted by Path then Inode, so the file is stable and
// easy for an operator to read and diff. An invalid entry (one Open would
// reject) is an error and nothing is written, since writing it would make the
// next start discard every checkpoint.
func (s *Store) Save(entries []Entry) (written bool, err error) {
	if err := validateEntries(entries); err != nil {
		return false, fmt.Errorf("refusing to save checkpoints: %w", err)
	}
	c := canonical(entries)
	key, err := json.Marshal(c)
	if err != nil {
		return false, fmt.Errorf("encode checkpoints: %w", err)
	}
	return s.writeIfChanged(fileName, "checkpoints", &s.last, key, func() ([]byte, error) {
		return encodeFile(c, time.Now())
	})
}

// writeIfChanged writes the file name in the state directory atomically
// with what encode returns, unless key, the compact form of its content,
// equals *last (what was last loaded or saved); it then records key in
// *last. what names the content in errors. Save and SavePositions share it.
func (s *Store) writeIfChanged(name, what string, last *[]byte, key []byte, encode func() ([]byte, error)) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lock == nil {
		return false, fmt.Errorf("save %s in %s: store is closed", what, s.dir)
	}
	if *last != nil && bytes.Equal(key, *last) {
		return false, nil
	}
	data, err := encode()
	if err != nil {
		return false, fmt.Errorf("encode %s: %w", what, err)
	}
	if err := writeAtomic(s.dir, name, data); err != nil {
		return false, fmt.Errorf("save %s: %w", what, err)
	}
	*last = key
	return true, nil
}

// Dir returns the state directory, for messages and for files the daemon
// may keep next to the checkpoints.
func (s *Store) Dir() string { return s.dir }

// Close releases the lock so that another daemon may use the directory. It
// does not save: the daemon calls Save with its final entries first. Closing
// a closed Store does nothing.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lock == nil {
		return nil
	}
	err := unlockDir(s.lock)
	s.lock = nil
	if err != nil {
		return fmt.Errorf("close state directory %s: %w", s.dir, err)
	}
	return nil
}
