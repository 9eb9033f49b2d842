package syslog

import (
	"bytes"
	"testing"
	"unsafe"
)

// FuzzParse checks what must hold for any datagram or frame: no panic, the
// message and every header value lie inside the input, header values are
// printable words, and a message without a header comes back whole.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"<134>Dec  2 01:54:44 haproxy[18811]: " + haproxyHTTP + "\n",
		"<134>Dec  2 01:54:24 localhost haproxy[18044]: " + haproxyHTTP,
		"<134>1 2026-12-02T01:54:49.028288+00:00 - haproxy 18904 - - " + haproxyHTTP,
		`<165>1 - host app 1 - [a x="v\]1" y="q\"]"][b z="]"] the message`,
		"<6>2026-12-02T01:55:07.801035+00:00 " + haproxyHTTP,
		"<6>" + haproxyHTTP, haproxyHTTP, "<165>1 - h a - - - \xEF\xBB\xBFx",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > 4096 {
			return
		}
		h, msg := Parse(in)
		if !within(msg, in) {
			t.Fatalf("message %q is not part of the input %q", msg, in)
		}
		if h.Form == NoHeader {
			if !bytes.Equal(msg, trimEnd(in)) || h.Timestamp != nil || h.Hostname != nil || h.AppName != nil || h.ProcID != nil || h.Facility != 0 {
				t.Fatalf("no header, but message %q and header %+v from %q", msg, h, in)
			}
			return
		}
		if in[0] != '<' || h.Facility > 23 || h.Severity > 7 {
			t.Fatalf("header %+v from %q", h, in)
		}
		if !within(h.Timestamp, in) {
			t.Fatalf("time %q is not part of the input %q", h.Timestamp, in)
		}
		for _, v := range [][]byte{h.Hostname, h.AppName, h.ProcID, h.MsgID} {
			if v == nil {
				continue
			}
			if !within(v, in) || len(v) == 0 {
				t.Fatalf("header value %q is not part of the input %q", v, in)
			}
			for _, c := range v {
				if c < 33 || c > 126 {
					t.Fatalf("header value %q has byte %#x (input %q)", v, c, in)
				}
			}
		}
		if h.Form != RFC5424 && h.MsgID != nil {
			t.Fatalf("%v header with a MSGID: %q", h.Form, in)
		}
	})
}

// within reports whether sub lies inside b's bytes (an empty sub does).
func within(sub, b []byte) bool {
	if len(sub) == 0 {
		return true
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	s := uintptr(unsafe.Pointer(unsafe.SliceData(sub)))
	return s >= start && s+uintptr(len(sub)) <= start+uintptr(len(b))
}
