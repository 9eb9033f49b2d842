package journal

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/logspan/logspan/internal/source/linemeta"
)

// A line as journalctl 252 prints it with --output=json --all (fields in
// its own order).
const haproxyEntry = `{"__CURSOR":"s=5509b3d3c499428a989daaaf2d71912d;i=1;b=0123456789abcdef0123456789abcdef;m=3e8;t=60a24181e4000;x=48898f8b43d7e7f0","_BOOT_ID":"0123456789abcdef0123456789abcdef","_PID":"42","MESSAGE":"10.0.0.1:5000 [01/Mar/2024:12:00:00.000] fe be/s1 0/0/1/2/3 200 100 - - ---- 1/1/0/0/0 0/0 \"GET / HTTP/1.1\"","_HOSTNAME":"lb1","_SYSTEMD_UNIT":"haproxy.service","SYSLOG_IDENTIFIER":"haproxy","__MONOTONIC_TIMESTAMP":"1000","PRIORITY":"6","__REALTIME_TIMESTAMP":"1700000000000000"}`

type wantEntry struct {
	message     string
	cursor      string
	meta        map[linemeta.Field]string
	truncated   bool
	invalidUTF8 bool
}

func checkEntry(t *testing.T, e entry, w wantEntry) {
	t.Helper()
	if string(e.message) != w.message {
		t.Errorf("message = %q, want %q", e.message, w.message)
	}
	if string(e.cursor) != w.cursor {
		t.Errorf("cursor = %q, want %q", e.cursor, w.cursor)
	}
	got := map[linemeta.Field]string{}
	for _, v := range e.meta {
		got[v.Field] = string(v.Value)
	}
	if len(got) != len(w.meta) {
		t.Errorf("meta = %v, want %v", got, w.meta)
	}
	for f, v := range w.meta {
		if got[f] != v {
			t.Errorf("meta %s = %q, want %q", f, got[f], v)
		}
	}
	if e.truncated != w.truncated || e.invalidUTF8 != w.invalidUTF8 {
		t.Errorf("truncated, invalidUTF8 = %v, %v, want %v, %v", e.truncated, e.invalidUTF8, w.truncated, w.invalidUTF8)
	}
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		cut  bool
		want wantEntry
	}{
		{"haproxy under systemd", haproxyEntry, 1024, false, wantEntry{
			message: `10.0.0.1:5000 [01/Mar/2024:12:00:00.000] fe be/s1 0/0/1/2/3 200 100 - - ---- 1/1/0/0/0 0/0 "GET / HTTP/1.1"`,
			cursor:  "s=5509b3d3c499428a989daaaf2d71912d;i=1;b=0123456789abcdef0123456789abcdef;m=3e8;t=60a24181e4000;x=48898f8b43d7e7f0",
			meta: map[linemeta.Field]string{
				linemeta.JournalUnit: "haproxy.service", linemeta.JournalHostname: "lb1", linemeta.JournalPID: "42",
				linemeta.JournalIdentifier: "haproxy", linemeta.JournalRealtime: "1700000000000000", linemeta.JournalPriority: "6",
			},
		}},
		{"bytes, not UTF-8 (journalctl's array form)", `{"MESSAGE":[98,105,110,255,0,120,10,122],"__CURSOR":"c"}`, 1024, false, wantEntry{
			message: "bin\uFFFD\x00x\nz", cursor: "c", invalidUTF8: true,
		}},
		{"bytes that are UTF-8", `{"MESSAGE":[ 104 , 195,169 ]}`, 1024, false, wantEntry{message: "hé"}},
		{"null message (too long without --all)", `{"MESSAGE":null,"__CURSOR":"c"}`, 1024, false, wantEntry{cursor: "c"}},
		{"no message", `{"__CURSOR":"c","_PID":"7"}`, 1024, false, wantEntry{cursor: "c", meta: map[linemeta.Field]string{linemeta.JournalPID: "7"}}},
		{"a field given twice: the first value", `{"MESSAGE":["other","second"],"_PID":["1",[50]]}`, 1024, false, wantEntry{
			message: "other", meta: map[linemeta.Field]string{linemeta.JournalPID: "1"},
		}},
		{"first value in bytes", `{"MESSAGE":[[104,105],"x"]}`, 1024, false, wantEntry{message: "hi"}},
		{"escapes", `{"MESSAGE":"a\"b\\c\/d\te\u00e9\u0001\ud83d\ude00 \ud800x"}`, 1024, false, wantEntry{
			message: "a\"b\\c/d\te\u00e9\x01\U0001F600 \uFFFDx",
		}},
		{"other fields of every kind skipped", `{"A":[1,2],"B":{"c":[true,false,null,-1.5e3]},"C":"\"}","MESSAGE":"m"}`, 1024, false, wantEntry{message: "m"}},
		{"a long message is cut", `{"MESSAGE":"abcdefghij","__CURSOR":"c"}`, 4, false, wantEntry{message: "abcd", cursor: "c", truncated: true}},
		{"cut at a character's start", `{"MESSAGE":"abcdéf"}`, 5, false, wantEntry{message: "abcd", truncated: true}},
		{"cut in an escape run", `{"MESSAGE":"ab\n\ncd"}`, 3, false, wantEntry{message: "ab\n", truncated: true}},
		{"a long byte array is cut", `{"MESSAGE":[97,98,99,100,101]}`, 2, false, wantEntry{message: "ab", truncated: true}},
		{"an entry read in part: fields complete kept, the message as far as it goes",
			`{"__CURSOR":"c","_PID":"9","MESSAGE":"abcdef`, 1024, true, wantEntry{
				message: "abcdef", cursor: "c", truncated: true, meta: map[linemeta.Field]string{linemeta.JournalPID: "9"},
			}},
		{"an entry read in part, ending in another field", `{"MESSAGE":"m","__CURSOR":"c","_HOSTNAME":"lo`, 1024, true, wantEntry{message: "m", cursor: "c"}},
		{"space around", " { \"MESSAGE\" : \"m\" } ", 1024, false, wantEntry{message: "m"}},
		{"empty object", `{}`, 1024, false, wantEntry{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decoder{maxMessage: tt.max}
			e, err := d.decode([]byte(tt.in), tt.cut)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			checkEntry(t, e, tt.want)
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, in := range []string{
		``, `[]`, `{"MESSAGE":"m"`, `{"MESSAGE":"m"} x`, `{"MESSAGE":[256]}`, `{"MESSAGE":[1,]}`,
		`{"MESSAGE":"\q"}`, `{"MESSAGE":"\u12"}`, `{"MESSAGE" "m"}`, `{"MESSAGE":tru}`, `{"A":[[[[[[[[[[1]]]]]]]]]]}`,
		`No journal files were found.`,
	} {
		d := decoder{maxMessage: 100}
		if e, err := d.decode([]byte(in), false); err == nil {
			t.Errorf("decode(%q) = %+v, want an error", in, e)
		} else if !strings.HasPrefix(err.Error(), "not a journal entry at byte ") {
			t.Errorf("decode(%q): error %q does not say where", in, err)
		}
	}
}

// TestDecodeBatch checks that the values of every entry decoded since the
// last reset stay as they were while the buffer grows: a batch of lines
// points into it.
func TestDecodeBatch(t *testing.T) {
	d := decoder{maxMessage: 1 << 20}
	var got []entry
	for i := range 50 {
		msg := strings.Repeat(string(rune('a'+i%26)), 100*i)
		in, _ := json.Marshal(map[string]string{"MESSAGE": msg, "_PID": msg[:min(len(msg), 3)], "__CURSOR": "c" + msg[:min(len(msg), 1)]})
		e, err := d.decode(in, false)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e)
	}
	for i, e := range got {
		msg := strings.Repeat(string(rune('a'+i%26)), 100*i)
		if string(e.message) != msg || string(e.cursor) != "c"+msg[:min(len(msg), 1)] || string(e.meta[0].Value) != msg[:min(len(msg), 3)] {
			t.Fatalf("entry %d changed after later decodes", i)
		}
	}
	in := []byte(haproxyEntry)
	if allocs := testing.AllocsPerRun(100, func() {
		d.reset()
		if _, err := d.decode(in, false); err != nil {
			t.Fatal(err)
		}
	}); allocs != 0 {
		t.Errorf("decoding an entry allocates %v times, want 0", allocs)
	}
}

// FuzzDecode checks the decoder against encoding/json on the same input:
// whenever both read an entry whose MESSAGE and __CURSOR are strings, they
// agree on them, and whatever the input the message respects the limit and
// is valid UTF-8.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		haproxyEntry, `{"MESSAGE":[98,105,110,255,0]}`, `{"MESSAGE":["a","b"]}`, `{"MESSAGE":null}`,
		`{"MESSAGE":"\ud83d\ude00\u00e9\n"}`, `{"A":{"b":[1,-2.5e3,true]},"MESSAGE":"x"}`,
	} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, in []byte, cut bool) {
		if len(in) > 4096 {
			return
		}
		const max = 64
		d := decoder{maxMessage: max}
		e, err := d.decode(in, cut)
		if err != nil {
			return
		}
		if len(e.message) > max || !utf8.Valid(e.message) {
			t.Fatalf("message %q: over %d bytes or not UTF-8", e.message, max)
		}
		if cut || !utf8.Valid(in) {
			return
		}
		var m map[string]any
		if json.Unmarshal(in, &m) != nil {
			return
		}
		if want, ok := m["MESSAGE"].(string); ok && !e.truncated && string(e.message) != want {
			t.Fatalf("message %q, encoding/json reads %q", e.message, want)
		}
		if want, ok := m["__CURSOR"].(string); ok && string(e.cursor) != want {
			t.Fatalf("cursor %q, encoding/json reads %q", e.cursor, want)
		}
	})
}
