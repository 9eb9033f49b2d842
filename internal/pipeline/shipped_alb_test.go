package pipeline

import "testing"

// TestShippedALB reads the gzipped ALB log in testdata/alb (lines made from
// the format AWS documents) with the shipped aws_alb rule, as `logspan
// backfill` reads the files AWS writes to S3: the caller's X-Ray context
// (Root with Parent: a child; Root alone: a root in that trace; Sampled=0:
// no span), start at request_creation_time and end at time to the
// microsecond, the three processing times as events (a -1 ends them),
// Error on a 5xx the client got (also when no target answered), and
// unknown trailing fields ignored.
func TestShippedALB(t *testing.T) {
	const alb = "aws_alb"
	checkShipped(t, "testdata/alb/123456789012_elasticloadbalancing_eu-west-1_app.shop-alb.50dc6c495c0c9188_20260504T0920Z_10.0.1.5_2k9x7b1q.log.gz", []shippedWant{
		{}, // the header comment
		{rule: alb, format: "xray", trace: "66360b264f3e2d1c0b9a8f7e6d5c4b3a", parent: "7d3b2a1908f6e5c4", name: "GET",
			start: "2026-05-04T09:15:02.118Z", end: "2026-05-04T09:15:02.160512Z", status: "Unset",
			events: []string{"sent to target@2026-05-04T09:15:02.119Z", "target response headers@2026-05-04T09:15:02.157Z", "response started@2026-05-04T09:15:02.157Z"},
			attrs: map[string]string{"http.request.method": "GET", "url.scheme": "https", "server.address": "shop.example.com", "server.port": "443",
				"url.path": "/cart", "url.query": "id=7&ref=mail", "network.protocol.version": "1.1", "http.response.status_code": "200",
				"aws.alb.target_status_code": "200", "client.address": "203.0.113.24", "client.port": "51544", "aws.alb.target.address": "10.0.1.17",
				"tls.protocol.version": "1.2", "aws.alb.conn_trace_id": "TID_3c6d1e0f9a8b4c2d8e7f6a5b4c3d2e1f"}},
		// No X-Amzn-Trace-Id came in: the load balancer made the Root, so
		// the span is the root of that trace.
		{rule: alb, format: "xray", trace: "66360b27a1b2c3d4e5f60718293a4b5c", parent: "", name: "POST",
			start: "2026-05-04T09:15:03.389Z", end: "2026-05-04T09:15:03.502208Z", status: "Unset",
			events: []string{"sent to target@2026-05-04T09:15:03.389Z", "target response headers@2026-05-04T09:15:03.501Z", "response started@2026-05-04T09:15:03.502Z"},
			attrs:  map[string]string{"network.protocol.version": "2.0", "aws.alb.type": "h2", "http.response.status_code": "201"}},
		// 502: the target closed the connection; -1 -1 leaves one event.
		{rule: alb, format: "xray", trace: "66360b280a1b2c3d4e5f6a7b8c9d0e1f", parent: "1f2e3d4c5b6a7988", name: "GET",
			start: "2026-05-04T09:15:04.027Z", end: "2026-05-04T09:15:04.031877Z", status: "Error", errorType: "502",
			events: []string{"sent to target@2026-05-04T09:15:04.027Z"},
			attrs:  map[string]string{"http.response.status_code": "502", "aws.alb.target_status_code": "", "aws.alb.target_processing_time_s": "-1", "url.scheme": "http"}},
		// 503 with no target at all (target -, all times -1): no events.
		{rule: alb, format: "xray", trace: "66360b295c4b3a2918f7e6d5c4b3a291", parent: "2a3b4c5d6e7f8091", name: "GET",
			start: "2026-05-04T09:15:05Z", end: "2026-05-04T09:15:05.000911Z", status: "Error", errorType: "503",
			attrs: map[string]string{"aws.alb.target.address": "", "aws.alb.target_status_code": ""}},
		{rule: alb, format: "xray", noSpan: true}, // Sampled=0
		// 460: the client gave up; a client error, not the server's.
		{rule: alb, format: "xray", trace: "66360b2a7e6d5c4b3a2918f7e6d5c4b3", parent: "4c5d6e7f80910213", name: "PUT",
			start: "2026-05-04T09:15:01.992Z", end: "2026-05-04T09:15:06.3104Z", status: "Unset",
			events: []string{"sent to target@2026-05-04T09:15:01.992Z"},
			attrs:  map[string]string{"http.response.status_code": "460"}},
		// A WebSocket: one entry when the connection closed.
		{rule: alb, format: "xray", trace: "66360b2b8f7e6d5c4b3a2918f7e6d5c4", parent: "5d6e7f8091021324", name: "GET",
			start: "2026-05-04T09:15:07.5Z", end: "2026-05-04T09:17:12.804355Z", status: "Unset",
			events: []string{"sent to target@2026-05-04T09:15:07.501Z", "target response headers@2026-05-04T09:15:07.504Z", "response started@2026-05-04T09:15:07.504Z"},
			attrs:  map[string]string{"aws.alb.type": "wss", "http.response.status_code": "101"}},
		// gRPC, Parent before Root, and fields AWS appended after
		// conn_trace_id that this rule does not know.
		{rule: alb, format: "xray", trace: "66360b2c9a8f7e6d5c4b3a2918f7e6d5", parent: "6e7f809102132435", name: "POST",
			start: "2026-05-04T09:15:08.11Z", end: "2026-05-04T09:15:08.120733Z", status: "Unset",
			events: []string{"sent to target@2026-05-04T09:15:08.11Z", "target response headers@2026-05-04T09:15:08.119Z", "response started@2026-05-04T09:15:08.119Z"},
			attrs:  map[string]string{"url.path": "/shop.cart.v1.Cart/AddItem", "aws.alb.conn_trace_id": "TID_5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b", "aws.alb.target.port": "50051"}},
		// A malformed request: no method, no context, a new trace.
		{rule: alb, name: "HTTP", start: "2026-05-04T09:15:09.004Z", end: "2026-05-04T09:15:09.00412Z", status: "Unset",
			attrs: map[string]string{"http.response.status_code": "400", "http.request.method": "", "aws.alb.request": "- http://shop.example.com:80- "}},
		// An older line that ends after error_reason.
		{rule: alb, format: "xray", trace: "66360b2e0b1c2d3e4f5a6b7c8d9e0f1a", parent: "", name: "POST",
			start: "2026-05-04T09:15:10.386Z", end: "2026-05-04T09:15:10.440201Z", status: "Unset",
			events: []string{"sent to target@2026-05-04T09:15:10.388Z", "target response headers@2026-05-04T09:15:10.439Z", "response started@2026-05-04T09:15:10.439Z"},
			attrs:  map[string]string{"aws.alb.actions_executed": "authenticate,forward", "aws.alb.conn_trace_id": ""}},
	})
}
