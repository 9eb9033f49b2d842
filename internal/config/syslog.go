package config

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/logspan/logspan/internal/syslog"
)

// SyslogInput is an input's syslog: mapping: logspan as the syslog server a
// program such as HAProxy logs to, instead of files. Each listen URL is a
// receiver of its own (its own queue and counters); all of them share the
// input's rules and time zone. Zero values mean the receiver's defaults
// (syslog.Config.WithDefaults).
type SyslogInput struct {
	Listen         []syslog.Addr
	Queue          int // messages
	QueueBytes     int
	MaxConnections int
	SocketMode     fs.FileMode
}

// syslogKeys are the keys of an input's syslog: mapping.
var syslogKeys = []string{"listen", "queue", "queue_bytes", "max_connections", "socket_mode"}

// decodeSyslog reads the syslog: key of the input entry whose keys are k
// (nil when there is none). A syslog input reads no files and no journal,
// so paths:, exclude:, start:, format: and journal: beside it are problems.
func decodeSyslog(p *problems, k map[string]*yaml.Node, what string) *SyslogInput {
	n := k["syslog"]
	if n == nil {
		return nil
	}
	for _, key := range []string{"paths", "exclude", "start", "format", "journal"} {
		if v := k[key]; v != nil {
			p.at(v, "%s.%s: does not go with syslog: (an input reads files, the journal or syslog; make one input of each)", what, key)
		}
	}
	what += ".syslog"
	sk := p.keys(n, what, syslogKeys...)
	in := &SyslogInput{}
	listen := sk["listen"]
	var urls []*yaml.Node
	switch {
	case listen == nil:
		p.at(n, "%s has no listen: (expected a URL such as udp://127.0.0.1:5514, tcp://127.0.0.1:5514 or unix:///run/logspan/log.sock, or a list of them)", what)
	case listen.Kind == yaml.SequenceNode:
		urls = p.list(listen, what+".listen")
		if len(urls) == 0 {
			p.at(listen, "%s.listen: the list is empty", what)
		}
	default:
		urls = []*yaml.Node{listen}
	}
	seen := map[string]int{}
	for i, u := range urls {
		item := what + ".listen"
		if listen.Kind == yaml.SequenceNode {
			item = fmt.Sprintf("%s[%d]", item, i)
		}
		s := p.str(u, item)
		if s == "" {
			continue
		}
		a, err := syslog.ParseAddr(s)
		if err != nil {
			p.at(u, "%s: %v", item, err)
			continue
		}
		if line, dup := seen[a.Network+" "+a.Address]; dup {
			p.at(u, "%s: %s is listened on already (line %d)", item, s, line)
			continue
		}
		seen[a.Network+" "+a.Address] = u.Line
		in.Listen = append(in.Listen, a)
	}
	in.Queue = int(p.integer(sk["queue"], what+".queue", 1))
	if v := sk["queue_bytes"]; v != nil && p.scalar(v, what+".queue_bytes", "a size") {
		b, err := ParseSize(v.Value)
		switch {
		case err != nil:
			p.at(v, "%s.queue_bytes: %v", what, err)
		case b < 64<<10 || b > 1<<30:
			p.at(v, "%s.queue_bytes: %s is out of range (64KiB to 1GiB; it is raised to the longest line)", what, v.Value)
		default:
			in.QueueBytes = int(b)
		}
	}
	in.MaxConnections = int(p.integer(sk["max_connections"], what+".max_connections", 1))
	if v := sk["socket_mode"]; v != nil && p.scalar(v, what+".socket_mode", "octal permission bits") {
		m, err := strconv.ParseUint(strings.TrimPrefix(v.Value, "0o"), 8, 32)
		if err != nil || m == 0 || m > 0o777 {
			p.at(v, "%s.socket_mode: expected octal permission bits such as 0660, got %q", what, v.Value)
		} else {
			in.SocketMode = fs.FileMode(m)
		}
	}
	return in
}
