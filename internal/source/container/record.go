package container

// Stream is the standard stream a record was written to. Records of the two
// streams are joined separately: a runtime copies each stream on its own,
// so the pieces of a long stdout line may have stderr records between them.
type Stream uint8

const (
	Stdout Stream = iota
	Stderr
	numStreams
)

var streamNames = [numStreams][]byte{Stdout: []byte("stdout"), Stderr: []byte("stderr")}

// Bytes is the stream's name ("stdout" or "stderr"). The slice is shared:
// callers must not modify it.
func (s Stream) Bytes() []byte { return streamNames[s] }

// String is the stream's name.
func (s Stream) String() string { return string(streamNames[s]) }

// streamOf returns the Stream named b.
func streamOf(b []byte) (Stream, bool) {
	switch string(b) { // no allocation: the conversion is only compared
	case "stdout":
		return Stdout, true
	case "stderr":
		return Stderr, true
	}
	return 0, false
}

// Record is one decoded record: a line, or a piece of one, the program
// wrote, and what the runtime said about it. Its slices point into the
// decoded line or the decoder's buffer and are valid until the next decode.
type Record struct {
	// Time is the runtime's time of the record, as written (RFC 3339 with
	// nanoseconds in practice); empty when the record has none.
	Time []byte
	// Log is the program's bytes, without the wrapper and the newline.
	Log []byte
	// Stream is the stream the program wrote Log to.
	Stream Stream
	// Partial says more records of the same line follow on this stream.
	Partial bool
}
