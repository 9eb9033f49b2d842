package source

import "github.com/logspan/logspan/internal/source/linemeta"

// Line is one line read from a file, without its line ending.
type Line struct {
	// Data is the line's bytes. It is valid only until the next call to the
	// reader's Next: callers that keep it must copy it.
	Data []byte
	// File is the name the file was opened by ("-" for standard input).
	File string
	// Number is the line's number in the file, counting from 1 at the
	// reader's starting offset, for messages such as "haproxy.log:17".
	Number int64
	// Offset is where the line starts in the file's (decompressed) bytes.
	Offset int64
	// End is the offset just past the line and its newline: the position a
	// checkpoint records once this line has been delivered.
	End int64
	// Truncated says the line was longer than the reader's limit and was cut.
	Truncated bool
	// InvalidUTF8 says invalid UTF-8 sequences were replaced with U+FFFD.
	InvalidUTF8 bool
	// Meta are the values the line's input knows of it besides its text
	// (a container runtime's time and stream, the journal's unit, a syslog
	// header), which rules read as fields. Nil for plain files. Valid as
	// long as Data is.
	Meta []linemeta.Value
	// WrapperErr says why a line of a container log (an input's format:
	// cri or docker, or auto for a line that starts like a Docker record)
	// is not a record of its format: the line is then passed on as
	// written, and reported. Nil otherwise.
	WrapperErr error
	// Position is, for a line of a stream input (the journal), where to
	// resume after it once it and every line before it are delivered (the
	// journal's cursor); "" for files, which resume at End.
	Position string
}
