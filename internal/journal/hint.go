package journal

import "strings"

// hint returns what an operator should do about a line journalctl wrote
// to its standard error, or "" when the line needs no advice. journalctl's
// own words say what went wrong but not what to change in logspan's
// service, which is what the reader of logspan's log needs.
func hint(msg string) string {
	switch {
	case strings.Contains(msg, "insufficient permissions"),
		strings.Contains(msg, "not seeing messages from other users"),
		strings.Contains(msg, "Permission denied"):
		return "logspan may not read the journal: add SupplementaryGroups=systemd-journal to logspan's systemd unit " +
			"(or run it in group systemd-journal or adm) and restart it"
	case strings.Contains(msg, "No journal files were found"):
		return "no journal files here: check journal.directory (a journal mounted into a container is usually /var/log/journal), " +
			"that journald keeps a journal (Storage= in journald.conf), and that logspan may read it (SupplementaryGroups=systemd-journal)"
	case strings.Contains(msg, "Failed to open"):
		return "check journal.directory and journal.files in the rules file"
	}
	return ""
}

// badCursor says journalctl refused the cursor it was given: a cursor from
// another journal, or a damaged checkpoint. Starting again from the same
// cursor would fail the same way.
func badCursor(msg string) bool {
	return strings.Contains(msg, "Failed to seek to cursor")
}

// notFoundHint is the advice when journalctl cannot be run at all.
const notFoundHint = "install journalctl where logspan finds it on $PATH (Debian: package systemd; a container image needs it too)"
