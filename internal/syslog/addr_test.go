package syslog

import (
	"strings"
	"testing"
)

func TestParseAddr(t *testing.T) {
	for _, tc := range []struct {
		in, network, address, err string
	}{
		{"udp://127.0.0.1:5514", "udp", "127.0.0.1:5514", ""},
		{"tcp://127.0.0.1:5514", "tcp", "127.0.0.1:5514", ""},
		{"udp://:514", "udp", ":514", ""},
		{"tcp://[::1]:5514", "tcp", "[::1]:5514", ""},
		{"udp://localhost:0", "udp", "localhost:0", ""},
		{"unix:///run/logspan/log.sock", "unixgram", "/run/logspan/log.sock", ""},
		{"unix:///run/logspan/../log.sock", "unixgram", "/run/log.sock", ""},
		{"udp://127.0.0.1", "", "", "expected udp://host:port"},
		{"udp://127.0.0.1:http", "", "", `invalid port ":http"`},
		{"tcp://127.0.0.1:70000", "", "", `port "70000" is not a number`},
		{"tcp://127.0.0.1:5514/x", "", "", "without a path"},
		{"unix://run/log.sock", "", "", "three slashes"},
		{"unix:relative.sock", "", "", "three slashes"},
		{"127.0.0.1:5514", "", "", "is not a URL"},
		{"/run/log.sock", "", "", "has no scheme"},
		{"syslog://127.0.0.1:514", "", "", `scheme "syslog" is not udp, tcp or unix`},
		{"udp://u@127.0.0.1:5514", "", "", "no user, query or fragment"},
	} {
		a, err := ParseAddr(tc.in)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%q: %v", tc.in, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%q: error %v, want one saying %q", tc.in, err, tc.err)
		case tc.err == "" && (a.Network != tc.network || a.Address != tc.address || a.URL != tc.in):
			t.Errorf("%q: got %+v, want %s %s", tc.in, a, tc.network, tc.address)
		}
	}
}
