package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// logrotate rotates the soak's log with the real logrotate instead of the
// soak's own renames (-logrotate CONF): compression, delaycompress,
// copytruncate and the rest are then exactly what a production host does,
// which hand-made renames cannot show (issue #12 went unseen that way).
type logrotate struct {
	conf  string // the configuration the soak wrote
	state string // logrotate's state file
	// copytruncate says the writer keeps its descriptor: logrotate copies
	// the log and truncates it in place instead of renaming it.
	copytruncate bool
	// keep is the configuration's `rotate N`.
	keep int
}

// newLogrotate reads the logrotate directives in the file at directives
// (the body of a block, e.g. "compress\ndelaycompress", without the log's
// name and braces, which the soak adds for its own log) and writes a
// configuration into dir rotating log with them. A directives file without
// a `rotate N` gets `rotate keep`. It fails when logrotate is not installed.
func newLogrotate(directives, dir, log string, keep int) (*logrotate, error) {
	if _, err := exec.LookPath("logrotate"); err != nil {
		return nil, fmt.Errorf("-logrotate needs logrotate (apt-get install logrotate): %w", err)
	}
	data, err := os.ReadFile(directives)
	if err != nil {
		return nil, fmt.Errorf("-logrotate: %w", err)
	}
	lr, body, err := parseDirectives(data, keep)
	if err != nil {
		return nil, fmt.Errorf("-logrotate %s: %w", directives, err)
	}
	lr.conf = filepath.Join(dir, "logrotate.conf")
	lr.state = filepath.Join(dir, "logrotate.status")
	conf := fmt.Sprintf("%s {\n%s}\n", log, body)
	// logrotate refuses a configuration others may write.
	if err := os.WriteFile(lr.conf, []byte(conf), 0o644); err != nil {
		return nil, fmt.Errorf("write the logrotate configuration: %w", err)
	}
	if err := os.Chmod(lr.conf, 0o644); err != nil {
		return nil, fmt.Errorf("write the logrotate configuration: %w", err)
	}
	return lr, nil
}

// parseDirectives checks the directives and picks out what the writer
// needs to know; body is the directives as written, plus `rotate keep`
// when they have no rotate of their own.
func parseDirectives(data []byte, keep int) (lr *logrotate, body string, err error) {
	if bytes.ContainsAny(data, "{}") {
		return nil, "", errors.New("give the directives only (e.g. compress), without a log name and braces: the soak names its own log")
	}
	lr = &logrotate{keep: keep}
	hasRotate := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		switch f[0] {
		case "copytruncate":
			lr.copytruncate = true
		case "rotate":
			if len(f) != 2 {
				return nil, "", fmt.Errorf("%q: want rotate N", sc.Text())
			}
			n, err := strconv.Atoi(f[1])
			if err != nil || n < 1 {
				return nil, "", fmt.Errorf("%q: want rotate N with N at least 1", sc.Text())
			}
			lr.keep, hasRotate = n, true
		}
	}
	body = strings.TrimRight(string(data), "\n") + "\n"
	if !hasRotate {
		body += "rotate " + strconv.Itoa(keep) + "\n"
	}
	return lr, body, nil
}

// run forces one rotation, as logrotate's daily timer would.
func (lr *logrotate) run() error {
	out, err := exec.Command("logrotate", "-s", lr.state, "-f", lr.conf).CombinedOutput()
	if err != nil {
		return fmt.Errorf("logrotate -s %s -f %s: %w: %s", lr.state, lr.conf, err, bytes.TrimSpace(out))
	}
	return nil
}
