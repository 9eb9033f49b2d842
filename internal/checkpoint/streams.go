package checkpoint

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"time"
)

// streamsFileName holds the positions of stream inputs (the journal's
// cursor), beside checkpoints.json. It is a file of its own because the
// two never need to change together: each is written atomically.
const streamsFileName = "streams.json"

// streamsFormat is streams.json as written:
// {"version":1,"written":"…","positions":{"journal:haproxy.service":"s=…"}}.
type streamsFormat struct {
	Version   int               `json:"version"`
	Written   time.Time         `json:"written"`
	Positions map[string]string `json:"positions"`
}

// Positions returns the stream positions in the state directory, by stream
// key, with a *CorruptError (and none) when the file is not valid: it is
// then moved aside, as Open does for checkpoints.json. A missing file gives
// none: no stream has been read yet.
func (s *Store) Positions() (map[string]string, error) {
	pos, found, err := readState(s.dir, filepath.Join(s.dir, streamsFileName), decodeStreams)
	if !found || err != nil {
		return map[string]string{}, err
	}
	s.mu.Lock()
	s.lastStreams, _ = json.Marshal(pos)
	s.mu.Unlock()
	return pos, nil
}

func decodeStreams(data []byte) (map[string]string, error) {
	if allZero(data) {
		return nil, fmt.Errorf("all %d bytes are zero, as left by a crash before the data reached the disk", len(data))
	}
	var f struct {
		Version   *int               `json:"version"`
		Positions *map[string]string `json:"positions"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	switch {
	case f.Version == nil:
		return nil, errors.New(`no "version"`)
	case *f.Version != formatVersion:
		return nil, fmt.Errorf("version %d, this logspan reads version %d", *f.Version, formatVersion)
	case f.Positions == nil:
		return nil, errors.New(`no "positions"`)
	}
	for k := range *f.Positions {
		if k == "" {
			return nil, errors.New("a position without a stream key")
		}
	}
	return *f.Positions, nil
}

// SavePositions writes the stream positions atomically, as Save does the
// file checkpoints, and only when they changed since the last load or save.
func (s *Store) SavePositions(pos map[string]string) (written bool, err error) {
	for k := range pos {
		if k == "" {
			return false, errors.New("refusing to save stream positions: a position without a stream key")
		}
	}
	key, err := json.Marshal(pos) // map keys sorted: stable
	if err != nil {
		return false, fmt.Errorf("encode stream positions: %w", err)
	}
	return s.writeIfChanged(streamsFileName, "stream positions", &s.lastStreams, key, func() ([]byte, error) {
		return encodeJSON(streamsFormat{Version: formatVersion, Written: time.Now().UTC(), Positions: pos})
	})
}
