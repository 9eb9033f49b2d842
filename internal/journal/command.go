package journal

import (
	"fmt"
	"strings"
	"time"
)

// Options say which entries of which journal a Stream reads. The zero value
// reads the entries of every unit in the system journal, from the moment
// the stream starts.
type Options struct {
	// Units are the systemd units whose own entries are read
	// (_SYSTEMD_UNIT); none means every entry. A name without a type
	// suffix is a service, as with `journalctl --unit`.
	Units []string
	// Directory is a journal directory to read instead of the system's
	// (journalctl --directory): a journal mounted into a container, or
	// files made for a test.
	Directory string
	// Files are journal files to read instead of the system's
	// (journalctl --file); at most one of Directory and Files.
	Files []string
	// StartAtBeginning reads every entry the journal holds when no cursor
	// says where to resume; otherwise only entries added after the start.
	StartAtBeginning bool
	// Journalctl is the program to run; "" means "journalctl" on $PATH.
	Journalctl string
	// MaxLineBytes is the longest message kept whole; longer ones are cut
	// and marked Truncated. 0 means source.DefaultMaxLineBytes.
	MaxLineBytes int
}

// UnitName returns the unit name journalctl would match for name: a name
// without a type suffix (".service", ".socket", …) is a service.
func UnitName(name string) string {
	if strings.Contains(name, ".") {
		return name
	}
	return name + ".service"
}

// start is where one journalctl run begins.
type start struct {
	// cursor, when not "", starts just after that entry.
	cursor string
	// since, when not zero (and without a cursor), starts at the first
	// entry written at or after it: a restart of a stream that starts at
	// the end but has delivered nothing yet, so that entries written
	// while journalctl was down are not skipped.
	since time.Time
}

// args returns journalctl's arguments (without the program name) for a
// run beginning at st.
//
// --merge is there for its side effect: without it, --follow in
// journalctl 252 reads only the latest boot, so entries written after a
// cursor but before a reboot would never be read. --lines=all is needed
// even with --after-cursor, since --follow otherwise shows only the last
// ten entries after the cursor.
func (o *Options) args(st start) []string {
	a := []string{"--follow", "--output=json", "--all", "--merge", "--no-pager"}
	switch {
	case st.cursor != "":
		a = append(a, "--after-cursor="+st.cursor, "--lines=all")
	case !st.since.IsZero():
		us := st.since.UnixMicro()
		a = append(a, fmt.Sprintf("--since=@%d.%06d", us/1e6, us%1e6), "--lines=all")
	case o.StartAtBeginning:
		a = append(a, "--lines=all")
	default:
		a = append(a, "--lines=0")
	}
	if o.Directory != "" {
		a = append(a, "--directory="+o.Directory)
	}
	for _, f := range o.Files {
		a = append(a, "--file="+f)
	}
	// Field matches rather than --unit: --unit also matches what systemd
	// and coredumps say about the unit, lines a rule for the service's
	// own log would count as unmatched. Matches of one field are ORed.
	for _, u := range o.Units {
		a = append(a, "_SYSTEMD_UNIT="+UnitName(u))
	}
	return a
}
