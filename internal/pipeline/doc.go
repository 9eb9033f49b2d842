// Package pipeline connects the stages: lines from source go through the
// rules (parsers, then mapping) to the exporter, with bounded queues between
// them so that a slow collector slows reading instead of growing memory, and
// with counters for everything that can go wrong.
//
// A backfill and the dry run of `logspan test` share the same Processor, so
// what `test` shows is exactly what a backfill sends.
package pipeline
