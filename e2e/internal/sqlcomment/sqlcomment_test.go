package sqlcomment

import "testing"

func TestAppend(t *testing.T) {
	const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	tests := []struct {
		name string
		sql  string
		tags map[string]string
		want string
	}{
		{"traceparent only", "SELECT * FROM songs", map[string]string{"traceparent": tp},
			"SELECT * FROM songs /*traceparent='" + tp + "'*/"},
		// The specification's and the conventions' example of tracestate.
		{"tracestate encoded", "SELECT * FROM songs",
			map[string]string{"traceparent": tp, "tracestate": "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"},
			"SELECT * FROM songs /*traceparent='" + tp + "',tracestate='congo%3Dt61rcWkgMzE%2Crojo%3D00f067aa0ba902b7'*/"},
		{"sorted, route encoded", "UPDATE items SET hits = hits + 1 WHERE id = 7",
			map[string]string{"traceparent": tp, "route": "/items/{id}", "application": "e2e backend"},
			"UPDATE items SET hits = hits + 1 WHERE id = 7 /*application='e2e%20backend',route='%2Fitems%2F%7Bid%7D',traceparent='" + tp + "'*/"},
		{"quote and key encoded", "SELECT 1", map[string]string{"it's": "a'b"},
			"SELECT 1 /*it%27s='a%27b'*/"},
		{"empty value left out", "SELECT 1", map[string]string{"traceparent": tp, "tracestate": ""},
			"SELECT 1 /*traceparent='" + tp + "'*/"},
		{"no pairs", "SELECT 1", map[string]string{"tracestate": ""}, "SELECT 1"},
		{"block comment kept", "SELECT /* hint */ 1", map[string]string{"traceparent": tp}, "SELECT /* hint */ 1"},
		{"line comment kept", "SELECT 1 -- note", map[string]string{"traceparent": tp}, "SELECT 1 -- note"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Append(tt.sql, tt.tags); got != tt.want {
				t.Errorf("Append(%q, %v)\n got %s\nwant %s", tt.sql, tt.tags, got, tt.want)
			}
		})
	}
}
