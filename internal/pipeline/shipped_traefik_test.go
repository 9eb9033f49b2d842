package pipeline

import "testing"

// TestShippedTraefik reads testdata/traefik/traefik-json.log (lines made
// from Traefik v3's documented JSON access-log fields) with the shipped
// traefik rule: the caller's context from the kept request headers
// (traceparent, B3's multiple headers, single b3, X-Ray with and without
// Parent), no span for an unsampled caller, start at StartUTC and end
// after Duration to the nanosecond, Error on a 5xx, a line without router
// (404) or without kept headers still a span, and Traefik's own log lines
// left alone.
func TestShippedTraefik(t *testing.T) {
	const traefik = "traefik"
	checkShipped(t, "testdata/traefik/traefik-json.log", []shippedWant{
		{}, // the header comment
		{rule: traefik, format: "w3c", trace: "4bf92f3577b34da6a3ce929d0e0e4736", parent: "00f067aa0ba902b7", name: "GET",
			start: "2026-05-04T09:40:01.120345678Z", end: "2026-05-04T09:40:01.158758023Z", status: "Unset",
			attrs: map[string]string{"http.request.method": "GET", "url.scheme": "https", "url.path": "/cart", "url.query": "id=7&ref=mail",
				"server.address": "shop.example.com", "server.port": "", "http.response.status_code": "200", "client.address": "203.0.113.24",
				"user_agent.original": "curl/8.5.0", "tls.protocol.version": "1.3", "traefik.router": "shop@docker",
				"traefik.service.url": "http://10.0.1.17:8080", "traefik.origin.status_code": "200", "traefik.entrypoint": "websecure"}},
		{rule: traefik, format: "b3", trace: "0000000000000000463ac35c9f6413ad", parent: "a2fb4a1d1a96d312", name: "POST",
			start: "2026-05-04T09:40:02.004211Z", end: "2026-05-04T09:40:02.1162115Z", status: "Unset",
			attrs: map[string]string{"server.port": "8443", "http.response.status_code": "201", "traefik.request.protocol": "HTTP/2.0"}},
		// 502: Traefik got no answer from the service (OriginStatus 0).
		{rule: traefik, format: "xray", trace: "66360b401a2b3c4d5e6f7a8b9c0d1e2f", parent: "53995c3f42cd8ad8", name: "GET",
			start: "2026-05-04T09:40:03.25Z", end: "2026-05-04T09:40:06.254128777Z", status: "Error", errorType: "502",
			attrs: map[string]string{"traefik.origin.status_code": "", "traefik.retry_attempts": "2"}},
		{rule: traefik, format: "xray", trace: "66360b412b3c4d5e6f7a8b9c0d1e2f3a", parent: "", name: "GET",
			start: "2026-05-04T09:40:03.5Z", end: "2026-05-04T09:40:03.504100222Z", status: "Unset"},
		{rule: traefik, format: "w3c", noSpan: true}, // flags 00
		{rule: traefik, format: "b3", noSpan: true},  // X-B3-Sampled: 0
		// No router matched: Traefik's own 404, without router or service.
		{rule: traefik, format: "w3c", trace: "6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c", parent: "2b3c4d5e6f708192", name: "GET",
			start: "2026-05-04T09:40:05Z", end: "2026-05-04T09:40:05.000086001Z", status: "Unset",
			attrs: map[string]string{"http.response.status_code": "404", "traefik.router": ""}},
		{rule: traefik, format: "w3c", trace: "7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d", parent: "3c4d5e6f70819203", name: "GET",
			start: "2026-05-04T09:40:06.1Z", end: "2026-05-04T09:40:06.100151002Z", status: "Error", errorType: "503",
			attrs: map[string]string{"traefik.service.url": ""}},
		// Headers dropped, as Traefik does by default: a new trace.
		{rule: traefik, name: "GET", start: "2026-05-04T09:40:07Z", end: "2026-05-04T09:40:12.012Z", status: "Unset",
			attrs: map[string]string{"url.scheme": "http", "user_agent.original": "", "tls.protocol.version": ""}},
		{rule: traefik, format: "w3c", trace: "0af7651916cd43dd8448eb211c80319c", parent: "b7ad6b7169203331", name: "GET",
			start: "2026-05-04T09:40:08.31Z", end: "2026-05-04T09:40:08.354Z", status: "Unset",
			link: "80f198ee56343ba864fe8b2a57d3eff7"}, // the b3 header of another trace
		{}, // Traefik's own log, not an access-log line
	})
}
