// Package otlptest runs real OTLP trace receivers, gRPC (Receiver) and
// HTTP (HTTPReceiver), inside a test process, so that exporter tests go
// through the same gRPC or HTTP stack, proto encoding and error handling a
// collector would exercise, instead of a mock that only checks what the test
// author expected the exporter to do.
//
// The receiver records every span it accepts in a flat, easily compared form
// (Span) and can be told to fail, partially reject or go away, to drive the
// exporter's retry and reporting paths.
package otlptest
