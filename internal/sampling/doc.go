// Package sampling decides, for each span mapping made, whether it is
// exported: the OpenTelemetry head samplers (always_on, always_off,
// traceidratio and their parentbased_ forms), decided from the span's trace
// id exactly as the OpenTelemetry Go SDK decides, so that every span of one
// request (HAProxy, nginx and the database, each from its own log) is kept
// or dropped together, and a log imported twice keeps the same spans.
//
// A Sampler is a pure function of the Span (trace id, caller, status,
// duration); it runs after mapping and redaction and before the batcher. It
// never drops what an operator needs most: spans with status Error and
// spans slower than a threshold are kept whatever the ratio says (see
// Spec.KeepErrors). A span kept by the ratio carries the OpenTelemetry
// tracestate threshold (ot=th:...) so that backends can re-weight counts;
// see tracestate.go for how this stays honest although the SDK's ratio test
// and the consistent-probability test read different trace-id bits.
package sampling
