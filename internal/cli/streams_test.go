package cli

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/logspan/logspan/internal/otlptest"
)

// syslogReloadRules is a rules file with one syslog input; %[3]s is more
// of its syslog: mapping.
const syslogReloadRules = `
exporter:
  endpoint: %[1]s
  flush_interval: 10ms
rules:
  - name: kv
    service_name: %[2]s
    grok: 'at=%%{NUMBER:at} id=%%{INT:id} took=%%{INT:took}ms'
    start: {field: at, epoch: ms}
    end: {duration: took, unit: ms}
inputs:
  - syslog: {%[3]s}
    rules: [kv]
`

// TestReloadGivesSyslogInputsTheirNewRules: a reload (SIGHUP) replaces the
// rules of a running syslog receiver, which goes on listening; a new
// listen URL and changed receiver settings are named in the log as taking
// effect at the next restart.
func TestReloadGivesSyslogInputsTheirNewRules(t *testing.T) {
	rcv := otlptest.Start(t)
	dir := t.TempDir()
	rulesPath := filepath.Join(dir, "rules.yaml")
	port, newPort := freePort(t, "udp"), freePort(t, "udp")
	listen := fmt.Sprintf("udp://127.0.0.1:%d", port)
	writeRules := func(service, syslog string) {
		data := fmt.Sprintf(syslogReloadRules, rcv.Endpoint(), service, syslog)
		if err := os.WriteFile(rulesPath, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeRules("before", "listen: '"+listen+"'")

	run := startSystemdRun(t, "--config", rulesPath, "--state-dir", filepath.Join(dir, "state"), "--listen", "off")
	sock, reload, stderr := run.sock, run.reload, run.stderr
	sock.expect("READY=1")

	conn, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	n := 0
	send := func() {
		t.Helper()
		n++
		msg := fmt.Sprintf("<134>Dec  2 04:00:00 lb app[7]: at=%d id=%d took=5ms", 1764648000000+int64(n), n)
		if _, err := conn.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	services := func(want int) []string {
		t.Helper()
		var out []string
		for _, s := range rcv.WaitSpans(t, want, 30*time.Second) {
			out = append(out, s.Service)
		}
		return out
	}
	send()
	if got := services(1); got[0] != "before" {
		t.Fatalf("services %v, want before", got)
	}

	writeRules("after", fmt.Sprintf("listen: ['%s', 'udp://127.0.0.1:%d'], queue: 100", listen, newPort))
	reload <- struct{}{}
	sock.expect("RELOADING=1")
	sock.expect("READY=1")
	send()
	if got := services(2); got[1] != "after" {
		t.Errorf("services %v after the reload, want the second span of service after", got)
	}
	log := stderr.String()
	for _, want := range []string{
		`msg="new input: it is opened at the next restart" input="syslog udp://127.0.0.1:` + fmt.Sprint(newPort) + `"`,
		`msg="input settings changed: they take effect at the next restart; its new rules are in use" input="syslog ` + listen + `"`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %s; it is:\n%s", want, log)
		}
	}

	writeRules("gone", "listen: 'udp://127.0.0.1:"+fmt.Sprint(newPort)+"'")
	reload <- struct{}{}
	sock.expect("RELOADING=1")
	sock.expect("READY=1")
	if want := `msg="input no longer in the rules: it is read with its previous rules until the next restart" input="syslog ` + listen + `"`; !strings.Contains(stderr.String(), want) {
		t.Errorf("log lacks %s; it is:\n%s", want, stderr)
	}
	send()
	if got := services(3); got[2] != "after" {
		t.Errorf("services %v, want the removed input's third span still of service after", got)
	}

	run.cancel()
	run.exitsOK(t)
}
