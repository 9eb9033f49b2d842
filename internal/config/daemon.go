package config

import (
	"math"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Daemon holds the settings of `logspan run` that the daemon: section of the
// rules file may give; command-line flags override them. Zero values mean
// the defaults below.
type Daemon struct {
	StateDir         string        // checkpoints (default /var/lib/logspan)
	Listen           string        // metrics and health address (default 127.0.0.1:9464)
	PollInterval     time.Duration // how often followed files are read (default 250ms)
	DiscoverInterval time.Duration // how often globs are expanded (default 10s)
	RotateWait       time.Duration // how long a rotated file must be idle before it is closed (default 15s)
	MaxOpenFiles     int           // files open at once (default 1024)
	MemoryLimit      int64         // bytes; sizes the queues and the Go heap goal (default 256 MiB)
	ShutdownTimeout  time.Duration // flush deadline on stop (default 30s)
	UnhealthyAfter   time.Duration // /healthz fails once exports have failed this long (default 2m)
}

// Daemon defaults.
const (
	DefaultStateDir = "/var/lib/logspan"
	DefaultListen   = "127.0.0.1:9464"
)

// WithDefaults fills the zero values.
func (d Daemon) WithDefaults() Daemon {
	if d.StateDir == "" {
		d.StateDir = DefaultStateDir
	}
	if d.Listen == "" {
		d.Listen = DefaultListen
	}
	if d.PollInterval <= 0 {
		d.PollInterval = 250 * time.Millisecond
	}
	if d.DiscoverInterval <= 0 {
		d.DiscoverInterval = 10 * time.Second
	}
	if d.RotateWait <= 0 {
		d.RotateWait = 15 * time.Second
	}
	if d.MaxOpenFiles <= 0 {
		d.MaxOpenFiles = 1024
	}
	if d.MemoryLimit <= 0 {
		d.MemoryLimit = 256 << 20
	}
	if d.ShutdownTimeout <= 0 {
		d.ShutdownTimeout = 30 * time.Second
	}
	if d.UnhealthyAfter <= 0 {
		d.UnhealthyAfter = 2 * time.Minute
	}
	return d
}

func decodeDaemon(p *problems, n *yaml.Node) Daemon {
	k := p.keys(n, "daemon", "state_dir", "listen", "poll_interval", "discover_interval", "rotate_wait",
		"max_open_files", "memory_limit", "shutdown_timeout", "unhealthy_after")
	var d Daemon
	if v := k["state_dir"]; v != nil {
		d.StateDir = p.str(v, "daemon.state_dir")
	}
	if v := k["listen"]; v != nil {
		d.Listen = p.str(v, "daemon.listen")
	}
	d.PollInterval = p.duration(k["poll_interval"], "daemon.poll_interval")
	d.DiscoverInterval = p.duration(k["discover_interval"], "daemon.discover_interval")
	d.RotateWait = p.duration(k["rotate_wait"], "daemon.rotate_wait")
	d.MaxOpenFiles = int(p.integer(k["max_open_files"], "daemon.max_open_files", 1))
	if v := k["memory_limit"]; v != nil && p.scalar(v, "daemon.memory_limit", "a size") {
		b, err := ParseSize(v.Value)
		switch {
		case err != nil:
			p.at(v, "daemon.memory_limit: %v", err)
		case b < 32<<20:
			p.at(v, "daemon.memory_limit: %s is too small (at least 32MiB)", v.Value)
		default:
			d.MemoryLimit = b
		}
	}
	d.ShutdownTimeout = p.duration(k["shutdown_timeout"], "daemon.shutdown_timeout")
	d.UnhealthyAfter = p.duration(k["unhealthy_after"], "daemon.unhealthy_after")
	return d
}

// ParseSize reads a size such as 256MiB, 1GiB, 500MB or 1048576 (bytes).
func ParseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	num, mult := strings.TrimSpace(s), int64(1)
	for _, u := range units {
		if strings.HasSuffix(num, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.mult
			break
		}
	}
	v, err := strconv.ParseInt(num, 10, 64)
	if err != nil || v < 0 || v > math.MaxInt64/mult {
		// The last test keeps "10000000000GiB" from wrapping to a
		// negative size.
		return 0, &sizeError{s}
	}
	return v * mult, nil
}

type sizeError struct{ s string }

func (e *sizeError) Error() string {
	return "expected a size such as 256MiB, 1GiB or 500MB, got " + strconv.Quote(e.s)
}
