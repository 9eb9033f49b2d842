package source

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
}
