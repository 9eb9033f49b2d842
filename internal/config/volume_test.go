package config

import (
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/logspan/logspan/internal/sampling"
	"github.com/logspan/logspan/mapping"
)

func TestVolumeProblemsArePositioned(t *testing.T) {
	for _, tt := range []struct {
		name, yaml string
		want       []string
	}{
		{"global sampler", "sampling: {sampler: sometimes}\nrules:" + okRule, []string{`1:21: sampling.sampler: unknown sampler "sometimes"`}},
		{"global ratio", "sampling:\n  ratio: 2\nrules:" + okRule, []string{`2:10: sampling.ratio: the ratio must be between 0 and 1`}},
		{"ratio not a number", "sampling: {ratio: half}\nrules:" + okRule, []string{`1:19: sampling.ratio: expected a number between 0 and 1, got "half"`}},
		{"rule keep_slower_than", "rules:" + okRule + "    sampling: {keep_slower_than: -1s}\n", []string{`6:34: rule "kv": sampling.keep_slower_than: the duration must not be negative`}},
		{"rule unknown sampling key", "rules:" + okRule + "    sampling: {rate: 1}\n", []string{`6:16: unknown key "rate" in rule "kv".sampling`}},
		{"rule redact pattern", "rules:" + okRule + "    redact:\n      patterns: ['(']\n", []string{`7:18: rule "kv": redact.patterns[0]: "(": error parsing regexp`}},
		{"global redact header", "redact: {headers: ['bad name']}\nrules:" + okRule, []string{`1:20: redact.headers[0]: "bad name" is not a header name`}},
	} {
		_, err := parse(t, tt.yaml)
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v\nwant %s", tt.name, err, w)
			}
		}
	}
}

// Environment < top of the file < rule.
func TestSamplingLayers(t *testing.T) {
	env := map[string]string{"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.5"}
	yaml := "sampling: {sampler: parentbased_traceidratio}\nrules:" + okRule + strings.Replace(okRule, "name: kv", "name: kv2", 1) + "    sampling: {sampler: always_off}\n"
	cfg, err := Parse("rules.yaml", []byte(yaml), Options{Local: time.UTC, Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Rules[0].Sampler.Name(); got != sampling.ParentTraceIDRatio {
		t.Errorf("kv: %s, want the file's over the environment's", got)
	}
	if got := cfg.Rules[1].Sampler.Name(); got != sampling.AlwaysOff {
		t.Errorf("kv2: %s, want the rule's", got)
	}
	env["OTEL_TRACES_SAMPLER"] = "sometimes"
	if _, err := Parse("rules.yaml", []byte(yaml), Options{Getenv: func(k string) string { return env[k] }}); err == nil || !strings.Contains(err.Error(), "OTEL_TRACES_SAMPLER") {
		t.Errorf("a bad OTEL_TRACES_SAMPLER: %v", err)
	}
}

// Redaction is on without a redact: section; a rule turns the defaults off.
func TestRedactDefaultsAndRuleOff(t *testing.T) {
	cfg, err := parse(t, "rules:"+okRule+strings.Replace(okRule, "name: kv", "name: kv2", 1)+"    redact: {defaults: false}\n")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Rules[0].Redactor == nil || cfg.Rules[1].Redactor != nil {
		t.Fatalf("redactors: %v, %v", cfg.Rules[0].Redactor, cfg.Rules[1].Redactor)
	}
	sp := mapping.Span{Name: "/a?token=x", Attributes: []attribute.KeyValue{attribute.String("http.request.header.authorization", "Bearer x")}}
	cfg.Rules[0].Redactor.Apply(&sp)
	if sp.Name != "/a?token=REDACTED" || sp.Attributes[0].Value.AsString() != "Bearer REDACTED" {
		t.Errorf("%q %v", sp.Name, sp.Attributes)
	}
}
