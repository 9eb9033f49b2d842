package config

import (
	"testing"

	"github.com/logspan/logspan/internal/source/container"
)

func TestInputFormat(t *testing.T) {
	tests := []struct {
		name, format string
		want         container.Format
		err          string
	}{
		{"default is plain", "", container.Plain, ""},
		{"cri", "format: cri", container.CRI, ""},
		{"docker", "format: docker", container.Docker, ""},
		{"auto", "format: auto", container.Auto, ""},
		{"plain said", "format: plain", container.Plain, ""},
		{"unknown", "format: json-file", 0, `rules.yaml:8:13: inputs[0].format: unknown format "json-file" (expected cri, docker, auto or plain)`},
		{"not a string", "format: [cri]", 0, `rules.yaml:8:13: inputs[0].format: expected text, got a list`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			yaml := "rules:" + okRule + "inputs:\n  - paths: [/var/log/pods/*/*/*.log]\n    " + tt.format + "\n"
			cfg, err := parse(t, yaml)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error %v, want %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.Inputs[0].Format; got != tt.want {
				t.Errorf("format %v, want %v", got, tt.want)
			}
		})
	}
}
