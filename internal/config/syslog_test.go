package config

import (
	"fmt"
	"strings"
	"testing"
)

func TestSyslogInput(t *testing.T) {
	yaml := "rules:" + okRule + `inputs:
  - syslog:
      listen: [udp://127.0.0.1:5514, tcp://127.0.0.1:5514, unix:///run/logspan/log.sock]
      queue: 500
      queue_bytes: 1MiB
      max_connections: 8
      socket_mode: "0666"
    rules: [kv]
    timezone: Europe/Paris
  - syslog: {listen: udp://:514}
  - paths: [/var/log/app.log]
`
	cfg, err := parse(t, yaml)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Inputs) != 3 {
		t.Fatalf("got %d inputs, want 3", len(cfg.Inputs))
	}
	in := cfg.Inputs[0]
	s := in.Syslog
	if s == nil || len(in.Paths) != 0 {
		t.Fatalf("first input: syslog %+v, paths %v", s, in.Paths)
	}
	if got := fmt.Sprint(s.Listen); got != "[{udp 127.0.0.1:5514 udp://127.0.0.1:5514} {tcp 127.0.0.1:5514 tcp://127.0.0.1:5514} {unixgram /run/logspan/log.sock unix:///run/logspan/log.sock}]" {
		t.Errorf("listen: %s", got)
	}
	if s.Queue != 500 || s.QueueBytes != 1<<20 || s.MaxConnections != 8 || s.SocketMode != 0o666 {
		t.Errorf("bounds: %+v", s)
	}
	if len(in.Rules) != 1 || in.Rules[0].Name != "kv" || in.Timezone != "Europe/Paris" {
		t.Errorf("rules %v, zone %q", in.Rules, in.Timezone)
	}
	if s := cfg.Inputs[1].Syslog; s == nil || len(s.Listen) != 1 || s.Listen[0].Address != ":514" || s.Queue != 0 {
		t.Errorf("second input: %+v (defaults are the receiver's: zero here)", s)
	}
	if cfg.Inputs[2].Syslog != nil {
		t.Errorf("a file input has syslog %+v", cfg.Inputs[2].Syslog)
	}
}

func TestSyslogInputProblemsArePositioned(t *testing.T) {
	for _, tt := range []struct {
		name, inputs string
		want         []string
	}{
		{"bad URL", "  - syslog: {listen: 'udp://127.0.0.1'}\n",
			[]string{`7:22: inputs[0].syslog.listen: "udp://127.0.0.1": expected udp://host:port`}},
		{"bad scheme in a list", "  - syslog:\n      listen: [udp://127.0.0.1:1, 'http://x:1']\n",
			[]string{`8:35: inputs[0].syslog.listen[1]: "http://x:1": scheme "http" is not udp, tcp or unix`}},
		{"relative socket", "  - syslog: {listen: 'unix://log.sock'}\n",
			[]string{`7:22: inputs[0].syslog.listen: "unix://log.sock": expected unix:///absolute/path/to/socket`}},
		{"twice", "  - syslog: {listen: [udp://:5514, 'udp://:5514']}\n",
			[]string{`7:36: inputs[0].syslog.listen[1]: udp://:5514 is listened on already (line 7)`}},
		{"no listen", "  - syslog: {queue: 10}\n",
			[]string{`7:13: inputs[0].syslog has no listen:`}},
		{"empty list", "  - syslog: {listen: []}\n",
			[]string{`7:22: inputs[0].syslog.listen: the list is empty`}},
		{"paths beside", "  - syslog: {listen: udp://:1}\n    paths: [/x.log]\n    start: beginning\n",
			[]string{`8:12: inputs[0].paths: does not go with syslog:`, `9:12: inputs[0].start: does not go with syslog:`}},
		{"journal or format beside", "  - syslog: {listen: udp://:1}\n    journal: {units: [haproxy.service]}\n    format: cri\n",
			[]string{`8:14: inputs[0].journal: does not go with syslog:`, `9:13: inputs[0].format: does not go with syslog:`}},
		{"bounds", "  - syslog: {listen: udp://:1, queue: 0, queue_bytes: 1KiB, max_connections: many, socket_mode: '999'}\n",
			[]string{`7:39: inputs[0].syslog.queue: expected a number of at least 1, got 0`,
				`7:55: inputs[0].syslog.queue_bytes: 1KiB is out of range`,
				`7:78: inputs[0].syslog.max_connections: expected a whole number, got "many"`,
				`7:97: inputs[0].syslog.socket_mode: expected octal permission bits such as 0660, got "999"`}},
		{"unknown key", "  - syslog: {listen: udp://:1, port: 514}\n",
			[]string{`7:32: unknown key "port" in inputs[0].syslog (expected one of: listen, queue, queue_bytes, max_connections, socket_mode)`}},
		{"not a mapping", "  - syslog: udp://:1\n",
			[]string{`7:13: inputs[0].syslog: expected a mapping of keys to values`}},
	} {
		_, err := parse(t, "rules:"+okRule+"inputs:\n"+tt.inputs)
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
