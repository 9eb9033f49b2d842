// Package parsers turns a log line into fields.
//
// A rule's grok expression is expanded once, at start, into a plain Go regular
// expression: anchored, with every group that is not a named field made
// non-capturing. Parsing a line is then one regexp match whose fields are read
// by index into a reused Match, with no map and no string built per line.
//
// The bundled HTTP and TCP layouts of HAProxy, which carry almost all the
// traffic, also have hand-written scanners (native*.go), used when a rule's
// expansion is exactly theirs. A scanner reads the usual forms of its layout
// about fifteen times faster than the regexp and gives exactly the regexp's
// fields; anything it is unsure of it leaves to the regexp.
//
// A rule may instead read each line as a JSON object (JSONSpec, json*.go), as
// Caddy, Traefik, Envoy and PostgreSQL write their logs: its fields are the
// values at key paths, found in one validating pass without allocating, and
// optionally a grok expression's fields read from one of those values. Both
// kinds are the one Parser type, so the stages after parsing see no
// difference.
package parsers
