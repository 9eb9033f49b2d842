package pipeline

import (
	"strings"
	"testing"
	"time"

	"github.com/logspan/logspan/internal/config"
	"github.com/logspan/logspan/internal/source/linemeta"
)

// metaRules read the values inputs know of a line (container.time,
// _SYSTEMD_UNIT, syslog.hostname) beside the fields their patterns capture.
const metaRules = `
rules:
  - name: json
    json: {require: [id]}
    end: {field: container.time, layout: rfc3339}
    duration: {field: took, unit: ms}
    span_name: 'req {id}'
    attributes:
      - {name: log.iostream, field: container.stream}
      - {name: id, field: id}
  - name: kv
    grok: 'id=%{INT:id} took=%{INT:took}ms host=%{WORD:syslog.hostname}'
    end: {field: container.time, layout: rfc3339}
    duration: {field: took, unit: ms}
    span_name: 'req {id}'
    attributes:
      - {name: host, field: syslog.hostname}
      - {name: unit, field: _SYSTEMD_UNIT}
      - {name: stream, field: container.stream}
`

// TestRulesReadLineMeta: a rule names an input's values like its own fields;
// its own field of the same name wins; a value the line lacks is absent;
// a JSON rule does not look for those names as keys.
func TestRulesReadLineMeta(t *testing.T) {
	cfg, err := config.Parse("rules.yaml", []byte(metaRules), config.Options{Local: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	p := NewProcessor(cfg.Rules)
	end := "2026-12-01T10:00:00.123456789Z"
	wantEnd := time.Date(2026, 12, 1, 10, 0, 0, 123456789, time.UTC)
	tests := []struct {
		name  string
		line  string
		meta  []linemeta.Value
		attrs map[string]string // attribute -> value; "" = absent
	}{
		{
			name:  "json line from a container",
			line:  `{"id":"7","took":100,"container":{"stream":"nope"}}`,
			meta:  []linemeta.Value{{Field: linemeta.ContainerTime, Value: []byte(end)}, {Field: linemeta.ContainerStream, Value: []byte("stderr")}},
			attrs: map[string]string{"log.iostream": "stderr", "id": "7"},
		},
		{
			name:  "grok line from the journal: own field wins, absent stays absent",
			line:  `id=8 took=100ms host=web1`,
			meta:  []linemeta.Value{{Field: linemeta.ContainerTime, Value: []byte(end)}, {Field: linemeta.JournalUnit, Value: []byte("haproxy.service")}, {Field: linemeta.SyslogHostname, Value: []byte("other")}},
			attrs: map[string]string{"host": "web1", "unit": "haproxy.service", "stream": ""},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := p.ProcessMeta([]byte(tc.line), tc.meta)
			if res.Span == nil {
				t.Fatalf("no span: rule %d, err %v", res.Rule, res.Err)
			}
			if !res.Span.End.Equal(wantEnd) || !res.Span.Start.Equal(wantEnd.Add(-100*time.Millisecond)) {
				t.Errorf("span %v .. %v, want %v .. %v", res.Span.Start, res.Span.End, wantEnd.Add(-100*time.Millisecond), wantEnd)
			}
			got := map[string]string{}
			for _, kv := range res.Span.Attributes {
				got[string(kv.Key)] = kv.Value.AsString()
			}
			for k, want := range tc.attrs {
				if got[k] != want {
					t.Errorf("attribute %s = %q, want %q (all: %v)", k, got[k], want, got)
				}
			}
		})
	}
	// Without the input's time, the span has no end: the line is not mapped.
	if res := p.ProcessMeta([]byte(`id=9 took=1ms host=x`), nil); res.Span != nil || res.Err == nil {
		t.Errorf("a line without container.time made a span (err %v)", res.Err)
	}
}

// TestUnknownFieldListsTheRulesOwn: the message for a typo lists the rule's
// captured fields, not every input's values.
func TestUnknownFieldListsTheRulesOwn(t *testing.T) {
	_, err := config.Parse("rules.yaml", []byte(`
rules:
  - name: kv
    grok: 'id=%{INT:id}'
    start: {field: container.tme, layout: rfc3339}
    end: {field: container.time, layout: rfc3339}
`), config.Options{Local: time.UTC})
	if err == nil {
		t.Fatal("no error for an unknown field")
	}
	msg := err.Error()
	if !strings.Contains(msg, `did you mean "container.time"?`) || !strings.Contains(msg, "fields are: id)") || strings.Contains(msg, "_SYSTEMD_UNIT") {
		t.Errorf("message %q", msg)
	}
}
