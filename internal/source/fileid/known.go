package fileid

import "time"

// Known is a file read before and how far: a checkpoint entry as stored,
// and what the reader matches a file found later against, so that it
// resumes instead of reading the file again. Its JSON form is the
// checkpoint file's entry.
type Known struct {
	// Path is the last name the file was seen under, for operators and for
	// finding it again; identity is ID, since rotation renames files.
	Path string `json:"path"`
	ID
	// Offset is where reading resumes: in a checkpoint, the offset before
	// which every line was delivered and acknowledged. For gzip it counts
	// decompressed bytes.
	Offset int64 `json:"offset"`
	// Finished says a gzip file was read to its end: it never changes, so
	// it is not read again.
	Finished bool `json:"finished,omitempty"`
	// Seen is when the file was last seen; entries of files long gone are
	// forgotten.
	Seen time.Time `json:"seen"`
}
