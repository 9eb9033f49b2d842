// Package checkpoint remembers, across restarts, how far each followed log
// file has been delivered: per file its identity and the byte offset up to
// which every span has been acknowledged by the collector. Without it a
// restart would either resend a file from its start (duplicate spans) or
// skip to its end (lost spans).
//
// The state lives in one JSON file, checkpoints.json, in a state directory.
// It follows what other log shippers learned the hard way:
//
//   - It is written atomically (temp file in the same directory, fsync,
//     rename, fsync of the directory), so a crash or power loss leaves either
//     the old or the new file, never a mix or a truncated one.
//   - It is validated when loaded: a file that is not what this package
//     writes (Filebeat once shipped zeroed or corrupt registries,
//     elastic/beats#3537 and #19634) is moved aside for inspection and the
//     daemon starts with empty state instead of failing or trusting garbage.
//   - The directory is held under an exclusive lock, because two daemons
//     sharing one state directory would overwrite each other's progress.
//
// The file is indented and sorted so that an operator can read it, diff it
// and, with the daemon stopped, edit it.
package checkpoint
