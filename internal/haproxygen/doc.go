// Package haproxygen writes synthetic HAProxy access-log lines in the
// `option httplog` layout with `log stdout format raw` (no syslog header),
// for tests and benchmarks that need a large, realistic and reproducible
// stream of input instead of a small hand-written fixture.
//
// A Generator is deterministic: the same Config yields the same lines, in
// the same order, with the same Go release (math/rand/v2's PCG source). Every
// line it produces differs from all the others, so a consumer that derives
// an id from a line's bytes (as logspan does) gets one id per line and can
// tell a lost line from a duplicated one.
//
// The lines vary the way real traffic does: several frontends, backends and
// servers, mostly GET requests answered 200, some 3xx and 404, and a few
// 500, 503 and 504 answers and client aborts with the termination states and
// timers HAProxy writes for them. Half of the requests (by default) carry a
// W3C traceparent in the captured request headers.
package haproxygen
