package checkpoint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// fileName is the checkpoint file in the state directory.
const fileName = "checkpoints.json"

// formatVersion is written in every file and required on load, so that a
// future incompatible format is rejected rather than misread.
const formatVersion = 1

// fileFormat is the checkpoint file as written:
// {"version":1,"written":"<RFC3339Nano>","entries":[...]}.
type fileFormat struct {
	Version int `json:"version"`
	// Written is when the file was written, for operators; it is ignored on
	// load and not part of the comparison that skips unchanged Saves.
	Written time.Time `json:"written"`
	Entries []Entry   `json:"entries"`
}

// loadFormat is fileFormat as read: pointers tell a missing field from a
// zero one, since a file without a version or entries is not ours.
type loadFormat struct {
	Version *int     `json:"version"`
	Entries *[]Entry `json:"entries"`
}

// encodeJSON encodes v indented for operators to read, without escaping
// <, > and & (paths are not HTML).
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// encodeFile returns the file's content for entries, which must already be
// canonical.
func encodeFile(entries []Entry, written time.Time) ([]byte, error) {
	return encodeJSON(fileFormat{Version: formatVersion, Written: written.UTC(), Entries: entries})
}

// decodeFile parses and validates a checkpoint file. A non-nil error is the
// reason the file is corrupt, phrased for CorruptError.
func decodeFile(data []byte) ([]Entry, error) {
	if len(data) == 0 {
		return nil, errors.New("empty file")
	}
	if allZero(data) {
		return nil, fmt.Errorf("all %d bytes are zero, as left by a crash before the data reached the disk", len(data))
	}
	var f loadFormat
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	if f.Version == nil {
		return nil, errors.New(`no "version"`)
	}
	if *f.Version != formatVersion {
		return nil, fmt.Errorf("version %d, this logspan reads version %d", *f.Version, formatVersion)
	}
	if f.Entries == nil {
		return nil, errors.New(`no "entries" list`)
	}
	if err := validateEntries(*f.Entries); err != nil {
		return nil, err
	}
	return *f.Entries, nil
}

// allZero says data is only zero bytes.
func allZero(data []byte) bool {
	for _, b := range data {
		if b != 0 {
			return false
		}
	}
	return true
}
