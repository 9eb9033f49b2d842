package syslog

import (
	"testing"
)

// want is a Header written as strings, "" for a value the header did not
// give, for readable tables.
type want struct {
	form                              Form
	fac, sev                          uint8
	ts, host, app, procid, msgid, msg string
}

func got(h Header, msg []byte) want {
	return want{h.Form, h.Facility, h.Severity, string(h.Timestamp), string(h.Hostname), string(h.AppName), string(h.ProcID), string(h.MsgID), string(msg)}
}

const haproxyHTTP = `127.0.0.1:48298 [02/Dec/2026:01:54:24.617] fe fe/<NOSRV> 0/-1/-1/-1/0 200 73 - - LR-- 1/1/0/0/0 0/0 "GET /x HTTP/1.1"`

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     want
	}{
		// What HAProxy 2.6 sent to a UDP socket for one request, per `log ... format X local0`.
		{"haproxy default (local)", "<134>Dec  2 01:54:44 haproxy[18811]: " + haproxyHTTP + "\n",
			want{RFC3164, 16, 6, "Dec  2 01:54:44", "", "haproxy", "18811", "", haproxyHTTP}},
		{"haproxy rfc3164", "<134>Dec  2 01:54:24 localhost haproxy[18044]: " + haproxyHTTP + "\n",
			want{RFC3164, 16, 6, "Dec  2 01:54:24", "localhost", "haproxy", "18044", "", haproxyHTTP}},
		{"haproxy rfc5424", "<134>1 2026-12-02T01:54:49.028288+00:00 - haproxy 18904 - - " + haproxyHTTP + "\n",
			want{RFC5424, 16, 6, "2026-12-02T01:54:49.028288+00:00", "", "haproxy", "18904", "", haproxyHTTP}},
		{"haproxy rfc5424 with log-send-hostname", "<134>1 2026-12-02T01:54:49.028288+00:00 lb1 haproxy 18904 - - " + haproxyHTTP + "\n",
			want{RFC5424, 16, 6, "2026-12-02T01:54:49.028288+00:00", "lb1", "haproxy", "18904", "", haproxyHTTP}},
		{"haproxy short", "<6>" + haproxyHTTP + "\n", want{PriorityOnly, 0, 6, "", "", "", "", "", haproxyHTTP}},
		{"haproxy priority", "<134>" + haproxyHTTP + "\n", want{PriorityOnly, 16, 6, "", "", "", "", "", haproxyHTTP}},
		{"haproxy timed", "<6>2026-12-02T01:55:07.801035+00:00 " + haproxyHTTP + "\n",
			want{RFC3164, 0, 6, "2026-12-02T01:55:07.801035+00:00", "", "", "", "", haproxyHTTP}},
		{"haproxy raw", haproxyHTTP + "\n", want{NoHeader, 0, 0, "", "", "", "", "", haproxyHTTP}},
		// From the HAProxy documentation, as rsyslog forwards it.
		{"doc tcplog", "<134>Feb  6 12:12:56 localhost haproxy[14387]: 10.0.1.2:33313 [06/Feb/2009:12:12:51.443] fnt bck/srv1 0/0/5007 212 -- 0/0/0/0/3 0/0",
			want{RFC3164, 16, 6, "Feb  6 12:12:56", "localhost", "haproxy", "14387", "", "10.0.1.2:33313 [06/Feb/2009:12:12:51.443] fnt bck/srv1 0/0/5007 212 -- 0/0/0/0/3 0/0"}},

		// RFC 3164 variants.
		{"tag without pid", "<13>Dec  2 01:52:57 host app: hello", want{RFC3164, 1, 5, "Dec  2 01:52:57", "host", "app", "", "", "hello"}},
		{"hostname without tag", "<13>Dec  2 01:52:57 host hello world", want{RFC3164, 1, 5, "Dec  2 01:52:57", "host", "", "", "", "hello world"}},
		{"two-digit day", "<13>Dec 12 01:52:57 host app[1]: x", want{RFC3164, 1, 5, "Dec 12 01:52:57", "host", "app", "1", "", "x"}},
		{"unpadded day", "<13>Dec 2 01:52:57 app[1]: x", want{RFC3164, 1, 5, "Dec 2 01:52:57", "", "app", "1", "", "x"}},
		{"fraction of a second", "<13>Dec  2 01:52:57.123 host app[1]: x", want{RFC3164, 1, 5, "Dec  2 01:52:57.123", "host", "app", "1", "", "x"}},
		{"rfc3339 time, host and tag", "<13>2026-12-02T01:52:57Z host app[1]: x", want{RFC3164, 1, 5, "2026-12-02T01:52:57Z", "host", "app", "1", "", "x"}},
		{"empty message after tag", "<13>Dec  2 01:52:57 app[1]:", want{RFC3164, 1, 5, "Dec  2 01:52:57", "", "app", "1", "", ""}},
		{"time only", "<13>Dec  2 01:52:57", want{RFC3164, 1, 5, "Dec  2 01:52:57", "", "", "", "", ""}},
		{"CRLF and NUL", "<13>Dec  2 01:52:57 app: x\r\n\x00", want{RFC3164, 1, 5, "Dec  2 01:52:57", "", "app", "", "", "x"}},
		{"pid brackets empty: hostname", "<13>Dec  2 01:52:57 app[]: x", want{RFC3164, 1, 5, "Dec  2 01:52:57", "app[]:", "", "", "", "x"}},
		{"highest PRI", "<191>Dec  2 01:52:57 app: x", want{RFC3164, 23, 7, "Dec  2 01:52:57", "", "app", "", "", "x"}},
		{"PRI 0", "<0>Dec  2 01:52:57 app: x", want{RFC3164, 0, 0, "Dec  2 01:52:57", "", "app", "", "", "x"}},

		// RFC 5424 variants.
		{"rfc 5424 example 1", "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - 'su root' failed for lonvick on /dev/pts/8",
			want{RFC5424, 4, 2, "2003-10-11T22:14:15.003Z", "mymachine.example.com", "su", "", "ID47", "'su root' failed for lonvick on /dev/pts/8"}},
		{"structured data", `<165>1 2003-10-11T22:14:15.003Z host evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] msg`,
			want{RFC5424, 20, 5, "2003-10-11T22:14:15.003Z", "host", "evntslog", "", "ID47", "msg"}},
		{"two SD elements, escaped ] and quote", `<165>1 - host app 1 - [a x="v\]1" y="q\"]"][b z="]"] the message`,
			want{RFC5424, 20, 5, "", "host", "app", "1", "", "the message"}},
		{"SD and no message", `<165>1 - host app 1 m [a x="1"]`, want{RFC5424, 20, 5, "", "host", "app", "1", "m", ""}},
		{"nil SD and no message", `<165>1 - - - - - -`, want{RFC5424, 20, 5, "", "", "", "", "", ""}},
		{"BOM", "<165>1 - h a - - - \xEF\xBB\xBFhéllo", want{RFC5424, 20, 5, "", "h", "a", "", "", "héllo"}},

		// Not a header, or not the header it first looks like.
		{"no PRI", "Dec  2 01:52:57 host app: x", want{NoHeader, 0, 0, "", "", "", "", "", "Dec  2 01:52:57 host app: x"}},
		{"PRI too big", "<192>Dec  2 01:52:57 app: x", want{NoHeader, 0, 0, "", "", "", "", "", "<192>Dec  2 01:52:57 app: x"}},
		{"PRI too long", "<0134>x", want{NoHeader, 0, 0, "", "", "", "", "", "<0134>x"}},
		{"PRI not closed", "<134 x", want{NoHeader, 0, 0, "", "", "", "", "", "<134 x"}},
		{"empty PRI", "<>x", want{NoHeader, 0, 0, "", "", "", "", "", "<>x"}},
		{"empty", "", want{NoHeader, 0, 0, "", "", "", "", "", ""}},
		{"5424 SD not closed", `<165>1 - h a - - [a x="]"`, want{PriorityOnly, 20, 5, "", "", "", "", "", `1 - h a - - [a x="]"`}},
		{"5424 bad time", `<165>1 yesterday h a - - - m`, want{PriorityOnly, 20, 5, "", "", "", "", "", `1 yesterday h a - - - m`}},
		{"5424 fields missing", `<165>1 - h a`, want{PriorityOnly, 20, 5, "", "", "", "", "", `1 - h a`}},
		{"5424 junk after SD", `<165>1 - h a - - [x]y m`, want{PriorityOnly, 20, 5, "", "", "", "", "", `1 - h a - - [x]y m`}},
		{"bad month", "<13>Foo  2 01:52:57 app: x", want{PriorityOnly, 1, 5, "", "", "", "", "", "Foo  2 01:52:57 app: x"}},
		{"bad clock", "<13>Dec  2 01:5:57 app: x", want{PriorityOnly, 1, 5, "", "", "", "", "", "Dec  2 01:5:57 app: x"}},
		{"time glued to text", "<13>Dec  2 01:52:57x app: x", want{PriorityOnly, 1, 5, "", "", "", "", "", "Dec  2 01:52:57x app: x"}},
		{"rfc3339 without zone", "<13>2026-12-02T01:52:57 x", want{PriorityOnly, 1, 5, "", "", "", "", "", "2026-12-02T01:52:57 x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, msg := Parse([]byte(tc.in))
			if g := got(h, msg); g != tc.want {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", tc.in, g, tc.want)
			}
		})
	}
}

func TestParseAllocatesNothing(t *testing.T) {
	in := []byte("<134>1 2026-12-02T01:54:49.028288+00:00 lb1 haproxy 18904 - [a b=\"c\"] " + haproxyHTTP + "\n")
	if n := testing.AllocsPerRun(100, func() { Parse(in) }); n != 0 {
		t.Errorf("Parse allocates %v times per message, want 0", n)
	}
}
