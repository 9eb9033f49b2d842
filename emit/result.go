package emit

// Result is the outcome of exporting one batch, counted in spans so that the
// caller can tell how much of what it read reached the collector. Exported +
// Rejected + Failed is always the number of spans sent.
type Result struct {
	// Exported spans were accepted by the collector (or written to stdout).
	Exported int
	// Rejected spans were refused by the collector in a partial success
	// answer, or could not be turned into OTLP at all (e.g. a malformed
	// tracestate). They are not re-sent: they are invalid, so sending them
	// again would be refused again.
	Rejected int
	// Failed spans never got an answer that accepted them: the collector
	// stayed unreachable until the retry budget or the context ran out, or
	// it refused the whole request with a non-retryable error.
	Failed int
	// Attempts is how many export calls the batch took, 1 when it went
	// through the first time.
	Attempts int
	// Err says why spans were rejected or failed, naming the destination
	// and the collector's last answer, in words fit for an operator's log.
	// It wraps the gRPC status error, if any. Nil when everything was
	// exported.
	Err error
	// Warning is the collector's message when it answered a partial
	// success that rejected nothing (a warning, per OTLP); empty otherwise.
	Warning string
}

// OK reports whether every span was exported.
func (r Result) OK() bool { return r.Rejected == 0 && r.Failed == 0 }
