// Package fileid says which file a log is, across renames, restarts,
// compression and inode reuse, in the one form that the reader, the
// daemon's acknowledgements and the checkpoint file all use.
//
// A file is the same file on disk while its device and inode are; its
// fingerprint, a hash of its first bytes (decompressed for gzip), guards
// against an inode reused for another file and recognises a rotated log
// after logrotate has compressed it into a new file. Known adds where
// reading got to, which is what a checkpoint stores and what a file found
// again resumes from.
package fileid
