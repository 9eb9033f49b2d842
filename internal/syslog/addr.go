package syslog

import (
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
)

// Addr is where a receiver listens, from a URL: udp://host:port,
// tcp://host:port or unix:///path/to/socket (unix datagrams, the way
// HAProxy and syslog(3) send to a local socket).
type Addr struct {
	Network string // "udp", "tcp" or "unixgram"
	Address string // host:port, or the socket's path
	URL     string // as written: names the input and labels its metrics
}

// ParseAddr reads a listen URL. The host may be empty (every interface);
// the port must be given; a socket path must be absolute.
func ParseAddr(s string) (Addr, error) {
	u, err := url.Parse(s)
	if err != nil {
		return Addr{}, fmt.Errorf("%q is not a URL: %w", s, err)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return Addr{}, fmt.Errorf("%q: a listen URL has no user, query or fragment", s)
	}
	switch u.Scheme {
	case "udp", "tcp":
		if u.Path != "" || u.Opaque != "" {
			return Addr{}, fmt.Errorf("%q: expected %s://host:port, without a path", s, u.Scheme)
		}
		host, port, err := net.SplitHostPort(u.Host)
		if err != nil {
			return Addr{}, fmt.Errorf("%q: expected %s://host:port (e.g. %s://127.0.0.1:5514): %w", s, u.Scheme, u.Scheme, err)
		}
		if p, err := strconv.ParseUint(port, 10, 16); err != nil || (p == 0 && port != "0") {
			return Addr{}, fmt.Errorf("%q: port %q is not a number from 1 to 65535", s, port)
		}
		return Addr{Network: u.Scheme, Address: net.JoinHostPort(host, port), URL: s}, nil
	case "unix":
		if u.Host != "" || u.Opaque != "" || !filepath.IsAbs(u.Path) {
			return Addr{}, fmt.Errorf("%q: expected unix:///absolute/path/to/socket (three slashes)", s)
		}
		return Addr{Network: "unixgram", Address: filepath.Clean(u.Path), URL: s}, nil
	case "":
		return Addr{}, fmt.Errorf("%q has no scheme: expected udp://host:port, tcp://host:port or unix:///path", s)
	}
	return Addr{}, fmt.Errorf("%q: scheme %q is not udp, tcp or unix", s, u.Scheme)
}
