package pipeline

import "testing"

// TestShippedEnvoyJSON reads testdata/envoy/envoy-json.log (lines made
// from Envoy's documented operators in the README's json_format) with the
// shipped envoy_json rule: the caller's context from traceparent, B3's
// multiple headers, single b3 and X-Ray (Root alone: a root in that
// trace), no span for an unsampled caller, start at %START_TIME% to the
// microsecond and end after the µs or ms duration, Error on a 5xx and on
// failure flags whatever the code, and entries written before the stream
// ended counted without a span.
func TestShippedEnvoyJSON(t *testing.T) {
	const envoy = "envoy_json"
	checkShipped(t, "testdata/envoy/envoy-json.log", []shippedWant{
		{}, // the header comment
		{rule: envoy, format: "w3c", trace: "4bf92f3577b34da6a3ce929d0e0e4736", parent: "00f067aa0ba902b7", name: "GET",
			start: "2026-05-04T09:30:01.120345Z", end: "2026-05-04T09:30:01.158757Z", status: "Unset",
			attrs: map[string]string{"http.request.method": "GET", "url.scheme": "https", "server.address": "shop.example.com", "url.path": "/cart",
				"url.query": "id=7&ref=mail", "network.protocol.version": "1.1", "http.response.status_code": "200", "client.address": "203.0.113.24",
				"client.port": "51544", "network.peer.address": "10.0.0.3", "envoy.upstream.host": "10.0.1.17:8080", "envoy.upstream.cluster": "shop_web",
				"http.request.header.x-request-id": "7f1c2a9e-3b4d-4e5f-9a0b-1c2d3e4f5a6b", "envoy.upstream.service_time_ms": "37"}},
		// B3 multiple headers with a 64-bit trace id; %DURATION% in ms.
		{rule: envoy, format: "b3", trace: "0000000000000000463ac35c9f6413ad", parent: "a2fb4a1d1a96d312", name: "POST",
			start: "2026-05-04T09:30:02.004211Z", end: "2026-05-04T09:30:02.116211Z", status: "Unset",
			attrs: map[string]string{"server.port": "8443", "network.protocol.version": "2", "http.response.status_code": "201"}},
		{rule: envoy, format: "b3", noSpan: true},  // X-B3-Sampled: 0
		{rule: envoy, format: "w3c", noSpan: true}, // flags 00
		{rule: envoy, format: "xray", trace: "66360b301a2b3c4d5e6f7a8b9c0d1e2f", parent: "53995c3f42cd8ad8", name: "GET",
			start: "2026-05-04T09:30:03.25Z", end: "2026-05-04T09:30:06.254128Z", status: "Error", errorType: "503",
			attrs: map[string]string{"envoy.response_flags": "UF,URX"}},
		{rule: envoy, format: "xray", trace: "66360b312b3c4d5e6f7a8b9c0d1e2f3a", parent: "", name: "GET",
			start: "2026-05-04T09:30:03.5Z", end: "2026-05-04T09:30:03.500212Z", status: "Error", errorType: "503",
			attrs: map[string]string{"envoy.upstream.host": ""}},
		{rule: envoy, format: "w3c", trace: "0af7651916cd43dd8448eb211c80319c", parent: "b7ad6b7169203331", name: "GET",
			start: "2026-05-04T09:30:04.0001Z", end: "2026-05-04T09:30:04.0082Z", status: "Unset",
			link: "66360b323c4d5e6f7a8b9c0d1e2f3a4b"}, // the X-Ray context of another trace
		// The client went away (code 0, DC): no status code, not an error.
		{rule: envoy, format: "w3c", trace: "6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c", parent: "2b3c4d5e6f708192", name: "GET",
			start: "2026-05-04T09:30:05Z", end: "2026-05-04T09:30:10.012Z", status: "Unset",
			attrs: map[string]string{"http.response.status_code": "", "envoy.response_flags": "DC"}},
		// 200, then the upstream reset the stream: Error, error.type UR.
		{rule: envoy, format: "w3c", trace: "7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d", parent: "3c4d5e6f70819203", name: "GET",
			start: "2026-05-04T09:30:06.1Z", end: "2026-05-04T09:30:08.31045Z", status: "Error", errorType: "UR",
			attrs: map[string]string{"http.response.status_code": "200"}},
		{rule: "envoy_json_partial", noSpan: true}, // DownstreamPeriodic
		{rule: envoy, format: "b3", trace: "80f198ee56343ba864fe8b2a57d3eff7", parent: "e457b5a2e4d86bd1", name: "GET",
			start: "2026-05-04T09:30:08.31Z", end: "2026-05-04T09:30:08.354Z", status: "Unset",
			attrs: map[string]string{"server.address": "2001:db8::10", "server.port": "443", "url.query": "q=red"}},
		{rule: envoy, name: "GET", start: "2026-05-04T09:30:09Z", end: "2026-05-04T09:30:09.00031Z", status: "Unset",
			attrs: map[string]string{"http.response.status_code": "404", "envoy.response_flags": "NR"}},
	})
}

// TestShippedEnvoyDefault reads testdata/envoy/envoy-default.log (lines in
// Envoy's documented default text format) with the shipped envoy and
// envoy_tcp rules: start at the bracketed %START_TIME%, end after
// %DURATION% ms, the request line, authority and X-Forwarded-For split,
// Error on a 5xx and on failure flags, a raw '"' in a header value
// (Envoy does not escape it) tolerated, TCP proxy entries as TCP spans.
func TestShippedEnvoyDefault(t *testing.T) {
	const envoy = "envoy"
	checkShipped(t, "testdata/envoy/envoy-default.log", []shippedWant{
		{}, // the header comment
		{rule: envoy, name: "GET", start: "2026-05-04T09:20:01.12Z", end: "2026-05-04T09:20:01.158Z", status: "Unset",
			attrs: map[string]string{"http.request.method": "GET", "url.path": "/cart", "url.query": "id=7&ref=mail", "server.address": "shop.example.com",
				"network.protocol.version": "1.1", "http.response.status_code": "200", "http.response.body.size": "2318", "client.address": "203.0.113.24",
				"user_agent.original": "curl/8.5.0", "envoy.upstream.host": "10.0.1.17:8080", "envoy.upstream.service_time_ms": "37"}},
		{rule: envoy, name: "POST", start: "2026-05-04T09:20:02.004Z", end: "2026-05-04T09:20:02.116Z", status: "Unset",
			attrs: map[string]string{"client.address": "198.51.100.7", "http.request.header.x-forwarded-for": "198.51.100.7, 10.0.0.3",
				"server.address": "api.shop.example.com", "server.port": "8443", "network.protocol.version": "2", "envoy.upstream.host": "10.0.1.18:8080"}},
		{rule: envoy, name: "GET", start: "2026-05-04T09:20:03.5Z", end: "2026-05-04T09:20:03.5Z", status: "Error", errorType: "503",
			attrs: map[string]string{"envoy.response_flags": "UH", "envoy.upstream.host": ""}},
		{rule: envoy, name: "GET", start: "2026-05-04T09:20:04Z", end: "2026-05-04T09:20:19.001Z", status: "Error", errorType: "504"},
		{rule: envoy, name: "GET", start: "2026-05-04T09:20:05.25Z", end: "2026-05-04T09:20:08.254Z", status: "Error", errorType: "503"},
		{rule: envoy, name: "GET", start: "2026-05-04T09:20:06.1Z", end: "2026-05-04T09:20:08.31Z", status: "Error", errorType: "UR"},
		{rule: envoy, name: "GET", start: "2026-05-04T09:20:07Z", end: "2026-05-04T09:20:12.012Z", status: "Unset",
			attrs: map[string]string{"http.response.status_code": ""}},
		{rule: envoy, name: "GET", start: "2026-05-04T09:20:07.8Z", end: "2026-05-04T09:20:07.8Z", status: "Unset"},
		{rule: envoy, name: "POST", start: "2026-05-04T09:20:08.01Z", end: "2026-05-04T09:20:08.011Z", status: "Unset"},
		{rule: envoy, name: "GET", start: "2026-05-04T09:20:09.31Z", end: "2026-05-04T09:20:09.354Z", status: "Unset",
			attrs: map[string]string{"user_agent.original": `Mozilla/5.0 "compatible" Bot/1.0`, "server.address": "2001:db8::10", "server.port": "443", "url.query": "q=%22red%22"}},
		{rule: "envoy_tcp", name: "TCP", start: "2026-05-04T09:21:00Z", end: "2026-05-04T09:22:00.012Z", status: "Unset",
			attrs: map[string]string{"network.transport": "tcp", "envoy.bytes_received": "1234", "envoy.upstream.host": "10.0.3.4:5432"}},
		{rule: "envoy_tcp", name: "TCP", start: "2026-05-04T09:21:01.5Z", end: "2026-05-04T09:21:01.501Z", status: "Error", errorType: "UF"},
	})
}
