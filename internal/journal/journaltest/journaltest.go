// Package journaltest writes real systemd journal files for tests and
// benchmarks, with Debian's systemd-journal-remote reading the Journal
// Export Format: the journal input is then tested against what journalctl
// really prints, not against JSON written by hand.
package journaltest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// RemoteBinary is where Debian's systemd-journal-remote package installs
// the program that turns the export format into journal files.
const RemoteBinary = "/lib/systemd/systemd-journal-remote"

// Missing returns why journal files cannot be written or read here
// (systemd-journal-remote or journalctl absent), or "" when they can.
// Tests skip with it: `if why := journaltest.Missing(); why != "" { t.Skip(why) }`.
func Missing() string {
	if _, err := os.Stat(RemoteBinary); err != nil {
		return "no " + RemoteBinary + " (apt-get install systemd-journal-remote) to write journal files with"
	}
	if _, err := exec.LookPath("journalctl"); err != nil {
		return "no journalctl on $PATH (apt-get install systemd) to read journal files with"
	}
	return ""
}

// BootID is the boot id of entries that give none.
const BootID = "0123456789abcdef0123456789abcdef"

// Entry is one journal entry to write. Time is its __REALTIME_TIMESTAMP;
// Fields are the rest (MESSAGE, _SYSTEMD_UNIT, …), written in name order.
// A value that is not valid UTF-8 or holds a newline is written in the
// export format's binary form, as journald stores such data.
type Entry struct {
	Time   time.Time
	Fields map[string]string
}

// Export returns entries in the Journal Export Format. Monotonic
// timestamps count up from first, one per entry, so that entries appended
// later (with a higher first) sort after these within the same boot.
func Export(entries []Entry, first int) []byte {
	var b bytes.Buffer
	for i, e := range entries {
		fmt.Fprintf(&b, "__REALTIME_TIMESTAMP=%d\n", e.Time.UnixMicro())
		fmt.Fprintf(&b, "__MONOTONIC_TIMESTAMP=%d\n", first+i+1)
		if _, ok := e.Fields["_BOOT_ID"]; !ok {
			fmt.Fprintf(&b, "_BOOT_ID=%s\n", BootID)
		}
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			v := e.Fields[k]
			if strings.ContainsRune(v, '\n') || !isText(v) {
				b.WriteString(k + "\n")
				_ = binary.Write(&b, binary.LittleEndian, uint64(len(v)))
				b.WriteString(v + "\n")
				continue
			}
			b.WriteString(k + "=" + v + "\n")
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func isText(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 && s[i] != '\t' {
			return false
		}
	}
	return strings.ToValidUTF8(s, "\uFFFD") == s
}

// Append adds entries to the journal file dir/test.journal (made when
// missing) with systemd-journal-remote. first is the number of entries the
// file already holds, for the monotonic timestamps.
func Append(dir string, entries []Entry, first int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cmd := exec.Command(RemoteBinary, "--output="+filepath.Join(dir, "test.journal"), "-")
	cmd.Stdin = bytes.NewReader(Export(entries, first))
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("systemd-journal-remote: %w: %s", err, out)
	}
	if want := "writing " + strconv.Itoa(len(entries)) + " entries"; !bytes.Contains(out, []byte(want)) {
		return fmt.Errorf("systemd-journal-remote did not say %q: %s", want, out)
	}
	return nil
}
