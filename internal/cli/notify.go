package cli

import (
	"net"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// notifier speaks systemd's notify protocol: datagrams of KEY=VALUE lines to
// the unix socket named by NOTIFY_SOCKET (a leading @ names an abstract
// socket). Outside systemd the variable is unset and every send is a no-op.
// The protocol is a few lines, so logspan speaks it itself rather than
// depend on libsystemd.
type notifier struct {
	socket string
	getenv func(string) string
}

func newNotifier(getenv func(string) string) *notifier {
	return &notifier{socket: getenv("NOTIFY_SOCKET"), getenv: getenv}
}

// send sends state; failures are not fatal (systemd then reports the unit
// itself), so they are ignored.
func (n *notifier) send(state string) {
	if n.socket == "" {
		return
	}
	addr := &net.UnixAddr{Name: n.socket, Net: "unixgram"}
	if addr.Name[0] == '@' {
		addr.Name = "\x00" + addr.Name[1:]
	}
	conn, err := net.DialUnix("unixgram", nil, addr)
	if err != nil {
		return
	}
	defer conn.Close()
	_, _ = conn.Write([]byte(state))
}

// watchdog pings WATCHDOG=1 at half the interval systemd asks for
// (WATCHDOG_USEC, for this process per WATCHDOG_PID), so systemd restarts a
// logspan that stopped running. A collector outage does not stop the pings:
// restarting would not help, reading resumes on its own when the collector
// returns, and /healthz reports the outage. It returns a function that stops
// the pings.
func (n *notifier) watchdog() (stop func()) {
	usec, err := strconv.ParseInt(n.getenv("WATCHDOG_USEC"), 10, 64)
	if n.socket == "" || err != nil || usec <= 0 {
		return func() {}
	}
	if pid := n.getenv("WATCHDOG_PID"); pid != "" && pid != strconv.Itoa(unix.Getpid()) {
		return func() {}
	}
	done := make(chan struct{})
	t := time.NewTicker(time.Duration(usec) * time.Microsecond / 2)
	go func() {
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				n.send("WATCHDOG=1")
			}
		}
	}()
	return func() { close(done) }
}

// monotonicUsec is CLOCK_MONOTONIC in microseconds, which RELOADING=1 must
// carry for systemd to match it with the reload it asked for.
func monotonicUsec() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return 0
	}
	return ts.Sec*1e6 + ts.Nsec/1e3
}
