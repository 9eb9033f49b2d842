package syslog

import (
	"reflect"
	"testing"

	"github.com/logspan/logspan/internal/source/linemeta"
)

func TestAppendMeta(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want map[string]string
	}{
		{"<134>Dec  2 01:54:44 haproxy[18811]: x", map[string]string{
			"syslog.facility": "16", "syslog.severity": "6", "syslog.timestamp": "Dec  2 01:54:44",
			"syslog.app_name": "haproxy", "syslog.procid": "18811"}},
		{"<191>1 2026-12-02T01:54:49.028288+00:00 lb1 haproxy 18904 ID7 - x", map[string]string{
			"syslog.facility": "23", "syslog.severity": "7", "syslog.timestamp": "2026-12-02T01:54:49.028288+00:00",
			"syslog.hostname": "lb1", "syslog.app_name": "haproxy", "syslog.procid": "18904", "syslog.msgid": "ID7"}},
		{"<0>x", map[string]string{"syslog.facility": "0", "syslog.severity": "0"}},
		{"x", map[string]string{}},
	} {
		h, _ := Parse([]byte(tc.in))
		vs := h.AppendMeta(nil)
		if len(vs) > maxMeta {
			t.Errorf("%q: %d values, more than maxMeta", tc.in, len(vs))
		}
		got := map[string]string{}
		for _, v := range vs {
			got[v.Field.String()] = string(v.Value)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q:\n got %v\nwant %v", tc.in, got, tc.want)
		}
		if f := linemeta.Get(vs, linemeta.SyslogHostname); (f != nil) != (tc.want["syslog.hostname"] != "") {
			t.Errorf("%q: Get(hostname) = %q", tc.in, f)
		}
	}
}
