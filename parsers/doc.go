// Package parsers turns a log line into fields.
//
// A rule's grok expression is expanded once, at start, into a plain Go regular
// expression: anchored, with every group that is not a named field made
// non-capturing. Parsing a line is then one regexp match whose fields are read
// by index into a reused Match, with no map and no string built per line.
package parsers
