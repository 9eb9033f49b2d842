package mapping

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/logspan/logspan/parsers"
)

// timesRE is a parser for the span-time tests: a start, an end and a
// duration field, "-" when a line lacks one.
var timesRE = regexp.MustCompile(`^(?P<start>\S+) (?P<end>\S+) (?P<dur>\S+)$`)

func mapTimes(t *testing.T, spec Spec, line string) (Span, Outcome, error) {
	t.Helper()
	spec.Rule = "times"
	m, err := New(spec, timesRE.SubexpNames()[1:])
	if err != nil {
		t.Fatal(err)
	}
	idx := timesRE.FindSubmatchIndex([]byte(line))
	if idx == nil {
		t.Fatalf("line %q does not match", line)
	}
	var s Span
	out, err := m.Map(&parsers.Match{Line: []byte(line), Data: []byte(line), Index: idx[2:]}, &s)
	return s, out, err
}

// TestSpanTimes covers each way of placing a span, with lines that have
// all, some or none of the fields the rule names.
func TestSpanTimes(t *testing.T) {
	start := &TimeSpec{Field: "start", Epoch: "ms", Location: time.UTC}
	end := &TimeSpec{Field: "end", Epoch: "ms", Location: time.UTC}
	dur := &DurationSpec{Field: "dur", Unit: "ms", LowerBoundAttribute: "lb"}
	t0 := time.UnixMilli(1770380054655).UTC()
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	lb := []attribute.KeyValue{attribute.Bool("lb", true)}
	tests := []struct {
		name       string
		spec       Spec
		line       string
		start, end time.Time
		attrs      []attribute.KeyValue
		bad        int
		err        string // a substring of Map's error; "" for none
	}{
		{"start+duration", Spec{Start: start, Duration: dur}, "1770380054655 - 100", ms(0), ms(100), nil, 0, ""},
		{"start+duration, duration -1", Spec{Start: start, Duration: dur}, "1770380054655 - -1", ms(0), ms(0), nil, 0, ""},
		{"start+duration, duration absent", Spec{Start: start, Duration: dur}, "1770380054655 - -", ms(0), ms(0), nil, 0, ""},
		{"start+duration, duration malformed", Spec{Start: start, Duration: dur}, "1770380054655 - soon", ms(0), ms(0), nil, 1, ""},
		{"start+duration, lower bound", Spec{Start: start, Duration: dur}, "1770380054655 - +30", ms(0), ms(30), lb, 0, ""},
		{"start+duration, start absent", Spec{Start: start, Duration: dur}, "- - 100", time.Time{}, time.Time{}, nil, 0, "field start is absent"},
		{"start+duration, start malformed", Spec{Start: start, Duration: dur}, "yesterday - 100", time.Time{}, time.Time{}, nil, 0, `field start: "yesterday" is not an epoch time in ms`},

		{"end+duration", Spec{End: end, Duration: dur}, "- 1770380054755 100", ms(0), ms(100), nil, 0, ""},
		{"end+duration, fractions", Spec{End: end, Duration: dur}, "- 1770380054755.5 100.25", ms(0).Add(250 * time.Microsecond), ms(100).Add(500 * time.Microsecond), nil, 0, ""},
		{"end+duration, duration -1", Spec{End: end, Duration: dur}, "- 1770380054755 -1", ms(100), ms(100), nil, 0, ""},
		{"end+duration, duration absent", Spec{End: end, Duration: dur}, "- 1770380054755 -", ms(100), ms(100), nil, 0, ""},
		{"end+duration, lower bound", Spec{End: end, Duration: dur}, "- 1770380054755 +100", ms(0), ms(100), lb, 0, ""},
		{"end+duration, end absent", Spec{End: end, Duration: dur}, "1770380054655 - 100", time.Time{}, time.Time{}, nil, 0, "field end is absent"},
		{"end+duration, end malformed", Spec{End: end, Duration: dur}, "- later 100", time.Time{}, time.Time{}, nil, 0, `field end: "later" is not an epoch time in ms`},

		{"start+end", Spec{Start: start, End: end}, "1770380054655 1770380055000 -", ms(0), ms(345), nil, 0, ""},
		{"start+end, end before start: clamped", Spec{Start: start, End: end}, "1770380054655 1770380054000 -", ms(0), ms(0), nil, 0, ""},
		{"start+end, end absent", Spec{Start: start, End: end}, "1770380054655 - -", ms(0), ms(0), nil, 0, ""},
		{"start+end, end malformed", Spec{Start: start, End: end}, "1770380054655 later -", ms(0), ms(0), nil, 1, ""},
		{"start+end, start absent", Spec{Start: start, End: end}, "- 1770380055000 -", ms(345), ms(345), nil, 0, ""},
		{"start+end, start malformed", Spec{Start: start, End: end}, "x 1770380055000 -", ms(345), ms(345), nil, 1, ""},
		{"start+end, both absent", Spec{Start: start, End: end}, "- - -", time.Time{}, time.Time{}, nil, 0, "field start is absent"},

		{"all three, all present: start and end as logged", Spec{Start: start, End: end, Duration: dur}, "1770380054655 1770380055000 5", ms(0), ms(345), nil, 0, ""},
		{"all three, start missing", Spec{Start: start, End: end, Duration: dur}, "- 1770380055000 100", ms(245), ms(345), nil, 0, ""},
		{"all three, end missing", Spec{Start: start, End: end, Duration: dur}, "1770380054655 - 100", ms(0), ms(100), nil, 0, ""},
		{"all three, end missing, lower bound", Spec{Start: start, End: end, Duration: dur}, "1770380054655 - +100", ms(0), ms(100), lb, 0, ""},
		{"all three, duration unused: no lower bound", Spec{Start: start, End: end, Duration: dur}, "1770380054655 1770380055000 +5", ms(0), ms(345), nil, 0, ""},
		{"all three, duration missing", Spec{Start: start, End: end, Duration: dur}, "1770380054655 1770380055000 -", ms(0), ms(345), nil, 0, ""},
		{"all three, only the end", Spec{Start: start, End: end, Duration: dur}, "- 1770380055000 -1", ms(345), ms(345), nil, 0, ""},
		{"all three, only the duration", Spec{Start: start, End: end, Duration: dur}, "- - 100", time.Time{}, time.Time{}, nil, 0, "field start is absent"},

		{"start only", Spec{Start: start}, "1770380054655 1770380055000 100", ms(0), ms(0), nil, 0, ""},
		{"end only", Spec{End: end}, "1770380054655 1770380055000 100", ms(345), ms(345), nil, 0, ""},
		{"end only, absent", Spec{End: end}, "1770380054655 - 100", time.Time{}, time.Time{}, nil, 0, "field end is absent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, out, err := mapTimes(t, tt.spec, tt.line)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one saying %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !s.Start.Equal(tt.start) || !s.End.Equal(tt.end) {
				t.Errorf("span %s .. %s, want %s .. %s", s.Start.UTC().Format(time.RFC3339Nano), s.End.UTC().Format(time.RFC3339Nano),
					tt.start.Format(time.RFC3339Nano), tt.end.Format(time.RFC3339Nano))
			}
			if out.BadValues != tt.bad {
				t.Errorf("BadValues = %d, want %d", out.BadValues, tt.bad)
			}
			if len(s.Attributes) != len(tt.attrs) || len(tt.attrs) > 0 && s.Attributes[0] != tt.attrs[0] {
				t.Errorf("attributes %v, want %v", s.Attributes, tt.attrs)
			}
		})
	}
}

// TestExactArithmetic: end - duration with decimal seconds lands on the
// exact nanosecond, where float64 arithmetic would not.
func TestExactArithmetic(t *testing.T) {
	s, _, err := mapTimes(t, Spec{
		End:      &TimeSpec{Field: "end", Epoch: "s", Location: time.UTC},
		Duration: &DurationSpec{Field: "dur", Unit: "s"},
	}, "- 1764621600.123 0.100")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.Start.UnixNano(), int64(1764621600_023000000); got != want {
		t.Errorf("start %d ns, want %d", got, want)
	}
	if got, want := s.End.UnixNano(), int64(1764621600_123000000); got != want {
		t.Errorf("end %d ns, want %d", got, want)
	}
}

// TestEventsFromComputedStart: phases are laid from the start, also when
// the start is computed as end - duration.
func TestEventsFromComputedStart(t *testing.T) {
	s, _, err := mapTimes(t, Spec{
		End:      &TimeSpec{Field: "end", Epoch: "ms", Location: time.UTC},
		Duration: &DurationSpec{Field: "dur", Unit: "ms"},
		Events:   []EventSpec{{Name: "first", Duration: "start"}, {Name: "second", Duration: "start"}},
	}, "20 1770380054755 60")
	if err != nil {
		t.Fatal(err)
	}
	want := time.UnixMilli(1770380054695)
	if len(s.Events) != 2 || !s.Events[0].Time.Equal(want.Add(20*time.Millisecond)) || !s.Events[1].Time.Equal(want.Add(40*time.Millisecond)) {
		t.Errorf("start %s, events %v", s.Start, s.Events)
	}
	if !s.Start.Equal(want) {
		t.Errorf("start %s, want %s", s.Start, want)
	}
}

// TestProgramShapes maps a line of each program the way its times are
// anchored (see black-box-logs.md) and checks the span to the nanosecond.
func TestProgramShapes(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	tests := []struct {
		name       string
		re         string
		spec       Spec
		line       string
		start, end time.Time
	}{
		{
			"nginx: $msec end, $request_time seconds",
			`^\{"msec":"(?P<msec>[^"]*)","request_time":"(?P<request_time>[^"]*)","status":"(?P<status>\d+)"\}$`,
			Spec{End: &TimeSpec{Field: "msec", Epoch: "s"}, Duration: &DurationSpec{Field: "request_time", Unit: "s"}},
			`{"msec":"1764621600.123","request_time":"0.100","status":"200"}`,
			utc(2025, 12, 1, 20, 40, 0, 23000000), utc(2025, 12, 1, 20, 40, 0, 123000000),
		},
		{
			"Caddy: ts end, duration float seconds",
			`^\{"level":"info","ts":(?P<ts>[^,]+),"logger":"http\.log\.access","msg":"handled request".*"duration":(?P<duration>[^,]+),"size":(?P<size>\d+),"status":(?P<status>\d+)`,
			Spec{End: &TimeSpec{Field: "ts", Epoch: "s"}, Duration: &DurationSpec{Field: "duration", Unit: "s"}},
			`{"level":"info","ts":1764621600.1234567,"logger":"http.log.access","msg":"handled request","request":{"method":"GET","uri":"/"},"bytes_read":0,"user_id":"","duration":0.000929675,"size":12,"status":200,"resp_headers":{}}`,
			utc(2025, 12, 1, 20, 40, 0, 122527025), utc(2025, 12, 1, 20, 40, 0, 123456700),
		},
		{
			"Caddy: ts in exponent form, duration_format string",
			`^\{"ts":(?P<ts>[^,]+),"duration":"(?P<duration>[^"]+)"\}$`,
			Spec{End: &TimeSpec{Field: "ts", Epoch: "s"}, Duration: &DurationSpec{Field: "duration", Unit: "go"}},
			`{"ts":1.7646216001234567e9,"duration":"929.675µs"}`,
			utc(2025, 12, 1, 20, 40, 0, 122527025), utc(2025, 12, 1, 20, 40, 0, 123456700),
		},
		{
			"PostgreSQL: message timestamp end, duration in ms",
			`^(?P<log_time>\S+ \S+ \S+) \[(?P<pid>\d+)\] LOG:  duration: (?P<duration>[0-9.]+) ms  statement: (?P<statement>.*)$`,
			Spec{End: &TimeSpec{Field: "log_time", Layout: "2006-01-02 15:04:05.000 MST"}, Duration: &DurationSpec{Field: "duration", Unit: "ms"}},
			`2026-12-01 10:00:00.123 UTC [4242] LOG:  duration: 12.345 ms  statement: SELECT 1`,
			utc(2026, 12, 1, 10, 0, 0, 110655000), utc(2026, 12, 1, 10, 0, 0, 123000000),
		},
		{
			"AWS ALB: request_creation_time start, time end",
			`^(?P<type>\S+) (?P<time>\S+) (?P<elb>\S+) \S+ \S+ (?P<request_processing_time>\S+) \S+ \S+ (?P<elb_status_code>\d+) .* (?P<request_creation_time>\d{4}-\d\d-\d\dT\S+Z) "(?P<actions_executed>[^"]*)"`,
			Spec{
				Start: &TimeSpec{Field: "request_creation_time", Layout: RFC3339Layout},
				End:   &TimeSpec{Field: "time", Layout: RFC3339Layout},
			},
			`https 2026-12-01T10:00:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2026-12-01T10:00:00.014000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-"`,
			utc(2026, 12, 1, 10, 0, 0, 14000000), utc(2026, 12, 1, 10, 0, 0, 186641000),
		},
		{
			"Traefik: StartUTC start, Duration ns",
			`^\{"Duration":(?P<Duration>\d+),.*"StartUTC":"(?P<StartUTC>[^"]+)"`,
			Spec{Start: &TimeSpec{Field: "StartUTC", Layout: RFC3339Layout}, Duration: &DurationSpec{Field: "Duration", Unit: "ns"}},
			`{"Duration":1234567,"RequestMethod":"GET","StartLocal":"2026-12-01T11:00:00.123456789+01:00","StartUTC":"2026-12-01T10:00:00.123456789Z"}`,
			utc(2026, 12, 1, 10, 0, 0, 123456789), utc(2026, 12, 1, 10, 0, 0, 124691356),
		},
		{
			"Envoy: START_TIME start with offset, DURATION ms",
			`^\[(?P<start_time>[^\]]+)\] "(?P<method>\S+) \S+ \S+" (?P<code>\d+) \S+ \d+ \d+ (?P<duration>\d+)`,
			Spec{Start: &TimeSpec{Field: "start_time", Layout: "RFC3339"}, Duration: &DurationSpec{Field: "duration"}},
			`[2026-12-01T10:00:00.123-05:30] "GET /x HTTP/1.1" 200 - 0 12 7 5 "-" "curl/8" "id" "host" "10.0.0.2:80"`,
			utc(2026, 12, 1, 15, 30, 0, 123000000), utc(2026, 12, 1, 15, 30, 0, 130000000),
		},
		{
			"Apache: %{begin:usec}t start, %D microseconds",
			`^(?P<begin>\d+) (?P<D>\d+) (?P<status>\d+) "(?P<request>[^"]*)"$`,
			Spec{Start: &TimeSpec{Field: "begin", Epoch: "us"}, Duration: &DurationSpec{Field: "D", Unit: "us"}},
			`1764621600123456 2345 200 "GET / HTTP/1.1"`,
			utc(2025, 12, 1, 20, 40, 0, 123456000), utc(2025, 12, 1, 20, 40, 0, 125801000),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			re := regexp.MustCompile(tt.re)
			tt.spec.Rule = "shape"
			m, err := New(tt.spec, re.SubexpNames()[1:])
			if err != nil {
				t.Fatal(err)
			}
			idx := re.FindSubmatchIndex([]byte(tt.line))
			if idx == nil {
				t.Fatalf("line does not match")
			}
			var s Span
			out, err := m.Map(&parsers.Match{Line: []byte(tt.line), Data: []byte(tt.line), Index: idx[2:]}, &s)
			if err != nil || out.BadValues != 0 {
				t.Fatalf("Map: %v, %+v", err, out)
			}
			if s.Start.UnixNano() != tt.start.UnixNano() || s.End.UnixNano() != tt.end.UnixNano() {
				t.Errorf("span %s .. %s\nwant %s .. %s", s.Start.UTC().Format(time.RFC3339Nano), s.End.UTC().Format(time.RFC3339Nano),
					tt.start.Format(time.RFC3339Nano), tt.end.Format(time.RFC3339Nano))
			}
		})
	}
}

// BenchmarkMapTimes maps lines anchored at their end (nginx, Caddy), with
// an RFC 3339 start (Traefik) and with Go duration strings: none may
// allocate.
func BenchmarkMapTimes(b *testing.B) {
	for _, bc := range []struct {
		name, re, line string
		spec           Spec
	}{
		{"end-epoch-s+duration-s", `^(?P<msec>\S+) (?P<rt>\S+)$`, "1764621600.123 0.100",
			Spec{End: &TimeSpec{Field: "msec", Epoch: "s"}, Duration: &DurationSpec{Field: "rt", Unit: "s"}}},
		{"start-rfc3339+duration-ns", `^(?P<start>\S+) (?P<d>\S+)$`, "2026-12-01T10:00:00.123456789Z 1234567",
			Spec{Start: &TimeSpec{Field: "start", Layout: RFC3339Layout}, Duration: &DurationSpec{Field: "d", Unit: "ns"}}},
		{"end-epoch-s+duration-go", `^(?P<ts>\S+) (?P<d>\S+)$`, "1764621600.1234567 1m3.5s",
			Spec{End: &TimeSpec{Field: "ts", Epoch: "s"}, Duration: &DurationSpec{Field: "d", Unit: "go"}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			re := regexp.MustCompile(bc.re)
			bc.spec.Rule = "bench"
			m, err := New(bc.spec, re.SubexpNames()[1:])
			if err != nil {
				b.Fatal(err)
			}
			match := &parsers.Match{Line: []byte(bc.line), Data: []byte(bc.line), Index: re.FindSubmatchIndex([]byte(bc.line))[2:]}
			var s Span
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.Map(match, &s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
