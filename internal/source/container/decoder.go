package container

import "bytes"

// dockerStart is how every line of Docker's json-file driver starts: auto
// detection takes a line for a Docker record by it.
var dockerStart = []byte(`{"log":`)

// Decoder reads the records of one Format. The zero value reads Plain
// lines: every line is taken as it is.
type Decoder struct {
	format Format
	docker DockerDecoder
}

// NewDecoder returns a Decoder for f.
func NewDecoder(f Format) *Decoder { return &Decoder{format: f} }

// Format is the Decoder's format.
func (d *Decoder) Format() Format { return d.format }

// Decode reads the record line holds. plain says the line is not a record
// and is to be taken as it is: always with Plain; with Auto, for a line
// that is neither a CRI record nor starts like a Docker one. err says why
// a line that should have been a record is not (any line of a CRI or Docker
// file; with Auto, a line that starts like a Docker record): plain is then
// true too, so that the caller can pass the line on and report it. The
// Record is valid until the next call.
func (d *Decoder) Decode(line []byte) (r Record, plain bool, err error) {
	switch d.format {
	case CRI:
		r, err = ParseCRI(line)
	case Docker:
		r, err = d.docker.Decode(line)
	case Auto:
		if bytes.HasPrefix(line, dockerStart) {
			r, err = d.docker.Decode(line)
		} else if r, err = ParseCRI(line); err != nil {
			return Record{}, true, nil
		}
	default:
		return Record{}, true, nil
	}
	if err != nil {
		return Record{}, true, err
	}
	return r, false, nil
}
