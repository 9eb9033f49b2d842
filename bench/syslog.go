package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/logspan/logspan/internal/haproxygen"
)

// syslogPrefix is the header HAProxy puts before each message by default
// (the local form: no hostname).
const syslogPrefix = "<134>Dec  2 01:52:57 haproxy[4242]: "

// syslogScenario runs `logspan run` as the syslog server of a sender that
// writes HAProxy lines at -syslog-rate messages/s over UDP (a datagram
// each) and over TCP (one connection, a line each), -other-runs times
// each, interleaved, and reports whether logspan kept up: every message a
// span, none dropped, and what it cost.
func (b *bench) syslogScenario() error {
	fmt.Fprintf(b.out, "\nsyslog: `logspan run` receiving HAProxy lines at %s messages/s for %v on loopback, the shipped rules\n",
		thousands(int64(b.o.syslogRate)), b.o.daemonFor)
	fmt.Fprintf(b.out, "  %-22s %10s %9s %9s %15s %8s %8s\n", "", "sent/s", "CPU/core", "peak RSS", "spans", "dropped", "kernel")
	cpus := map[string][]float64{}
	for run := range b.o.otherRuns {
		for _, network := range []string{"udp", "tcp"} {
			r, err := b.syslogRun(network, int64(200+run))
			if err != nil {
				return err
			}
			cpus[network] = append(cpus[network], r.share)
			fmt.Fprintf(b.out, "  %-22s %10s %8.1f%% %9s %15s %8d %8d\n", fmt.Sprintf("%s, run %d", network, run+1),
				thousands(int64(r.rate)), 100*r.share, fmt.Sprintf("%.1f MiB", mib(r.peakRSS)),
				fmt.Sprintf("%d/%d", r.got, r.want), r.dropped, r.kernel)
			if r.got != r.want || r.dropped != 0 || r.kernel != 0 {
				b.failed = true
				fmt.Fprintf(b.out, "  MISSING SPANS: %s run %d: %d of %d, %d dropped by logspan, %d by the kernel\n", network, run+1, r.got, r.want, r.dropped, r.kernel)
			}
		}
	}
	for _, network := range []string{"udp", "tcp"} {
		fmt.Fprintf(b.out, "  %-22s CPU %.1f%% of one core (median of %d)\n", network, 100*median(cpus[network]), len(cpus[network]))
	}
	return nil
}

// syslogResult is one run of the syslog scenario.
type syslogResult struct {
	rate, share     float64
	peakRSS         int64
	got, want       int64
	dropped, kernel int64
}

func (b *bench) syslogRun(network string, seed int64) (syslogResult, error) {
	var r syslogResult
	dir := filepath.Join(b.dir, "syslog-"+network)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return r, err
	}
	defer os.RemoveAll(dir)
	port, err := freePort(network)
	if err != nil {
		return r, err
	}
	metricsPort, err := freePort("tcp")
	if err != nil {
		return r, err
	}
	rules, err := b.rules("rules.yaml")
	if err != nil {
		return r, err
	}
	text, err := os.ReadFile(rules)
	if err != nil {
		return r, err
	}
	config := filepath.Join(dir, "rules.yaml")
	text = fmt.Appendf(text, "\ninputs:\n  - syslog: {listen: '%s://127.0.0.1:%d'}\n", network, port)
	if err := os.WriteFile(config, text, 0o644); err != nil {
		return r, err
	}
	before, _, err := b.recv.counts()
	if err != nil {
		return r, err
	}
	metrics := fmt.Sprintf("127.0.0.1:%d", metricsPort)
	h, err := start(b.exporterEnv(), nil, b.o.logspan, "run", "--config", config,
		"--state-dir", filepath.Join(dir, "state"), "--listen", metrics, "--log-level", "warn")
	if err != nil {
		return r, err
	}
	stop := func() { _, _ = stopProcess(h, 30*time.Second) }
	if err := waitMetrics(metrics); err != nil {
		stop()
		return r, fmt.Errorf("%w\n%s", err, lastLines(h.stderr.String(), 10))
	}
	conn, err := net.Dial(network, fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		stop()
		return r, err
	}
	g := haproxygen.New(haproxygen.Config{Seed: seed, UnmatchedRatio: 0.03, Start: time.Now(), Step: time.Second / time.Duration(b.o.syslogRate)})
	sent, share, err := sendSyslog(conn, network, g, b.o.syslogRate, b.o.daemonFor, h.cmd.Process.Pid)
	conn.Close()
	if err != nil {
		stop()
		return r, fmt.Errorf("%s: %w", network, err)
	}
	r.rate, r.share = float64(sent)/b.o.daemonFor.Seconds(), share
	r.want = int64(g.Count() - g.Unmatched())
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		s, _, err := b.recv.counts()
		if err != nil {
			stop()
			return r, err
		}
		if r.got = s - before; r.got >= r.want {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	drops, err := scrapeDrops(metrics)
	if err != nil {
		stop()
		return r, err
	}
	r.dropped, r.kernel = drops["queue_full"], drops["receive_buffer"]
	u, err := stopProcess(h, 30*time.Second)
	if err != nil {
		return r, err
	}
	r.peakRSS = u.PeakRSS
	if s, _, err := b.recv.counts(); err == nil {
		r.got = s - before
	}
	return r, nil
}

// sendSyslog writes g's lines behind a syslog header to conn at rate
// messages/s for d, in 10 ms ticks that each catch up to rate × elapsed,
// and returns how many it sent and the share of one core pid used after
// the warm-up.
func sendSyslog(conn net.Conn, network string, g *haproxygen.Generator, rate int, d time.Duration, pid int) (sent int, share float64, err error) {
	w := bufio.NewWriterSize(conn, 256<<10)
	var msg []byte
	var cpu0 time.Duration
	var s0 time.Time
	t0 := time.Now()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for now := range tick.C {
		el := now.Sub(t0)
		if s0.IsZero() && el >= daemonWarmup {
			if cpu0, err = cpuOf(pid); err != nil {
				return sent, 0, err
			}
			s0 = time.Now()
		}
		if el >= d {
			cpu1, err := cpuOf(pid)
			return sent, (cpu1 - cpu0).Seconds() / time.Since(s0).Seconds(), err
		}
		for due := int(el.Seconds() * float64(rate)); sent < due; sent++ {
			msg = append(g.Append(append(msg[:0], syslogPrefix...)), '\n')
			if network == "udp" {
				_, err = conn.Write(msg)
			} else {
				_, err = w.Write(msg)
			}
			if err != nil {
				return sent, 0, err
			}
		}
		if err := w.Flush(); err != nil {
			return sent, 0, err
		}
	}
	return sent, 0, nil
}

// freePort returns a loopback port free for network when asked.
func freePort(network string) (int, error) {
	var addr net.Addr
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		addr = c.LocalAddr()
		c.Close()
	} else {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		addr = l.Addr()
		l.Close()
	}
	_, p, _ := net.SplitHostPort(addr.String())
	return strconv.Atoi(p)
}

// waitMetrics waits until logspan serves /metrics at addr: its sockets are
// open by then.
func waitMetrics(addr string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err == nil {
			resp.Body.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("logspan run does not serve /metrics: %w", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var dropRE = regexp.MustCompile(`(?m)^logspan_syslog_dropped_total\{listen="[^"]*",reason="(\w+)"\} (\d+)$`)

// scrapeDrops reads logspan_syslog_dropped_total by reason.
func scrapeDrops(addr string) (map[string]int64, error) {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, m := range dropRE.FindAllStringSubmatch(string(body), -1) {
		out[m[1]], _ = strconv.ParseInt(m[2], 10, 64)
	}
	if _, ok := out["queue_full"]; !ok {
		return nil, fmt.Errorf("no logspan_syslog_dropped_total in /metrics:\n%s", lastLines(string(body), 5))
	}
	return out, nil
}
