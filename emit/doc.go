// Package emit batches span records and exports them over OTLP/gRPC or
// OTLP/HTTP (or as OTLP/JSON lines on stdout), retrying with backoff and
// reporting each batch's outcome to the caller, so that a reader can advance
// its checkpoint only past what the collector acknowledged.
package emit
