// Package linemeta names the values an input knows of a line besides its
// text: the container runtime's timestamp and stream, the journal's unit
// and host, a syslog header's fields. Inputs attach them to the lines they
// read, and every rule can name them like the fields its own pattern
// captures, so that a rule written for a plain HAProxy log also reads the
// same lines from a container log, the journal or a syslog socket, and can
// use what the wrapper adds.
//
// The set is fixed and small: a line carries only the values its input
// has, as a short list, so plain files pay nothing for it.
package linemeta

// Field is one value an input may know of a line. Its String is the name
// rules use for it.
type Field uint8

// The fields, by input kind.
const (
	// ContainerTime is the container runtime's time of the line
	// (RFC 3339 with nanoseconds), "container.time".
	ContainerTime Field = iota
	// ContainerStream is "stdout" or "stderr", "container.stream".
	ContainerStream
	// JournalUnit is the journal's _SYSTEMD_UNIT.
	JournalUnit
	// JournalHostname is the journal's _HOSTNAME.
	JournalHostname
	// JournalPID is the journal's _PID.
	JournalPID
	// JournalIdentifier is the journal's SYSLOG_IDENTIFIER.
	JournalIdentifier
	// JournalRealtime is the journal's __REALTIME_TIMESTAMP: microseconds
	// since the epoch, in decimal.
	JournalRealtime
	// JournalPriority is the journal's PRIORITY (0-7).
	JournalPriority
	// SyslogTimestamp is a syslog header's time as the sender wrote it,
	// "syslog.timestamp".
	SyslogTimestamp
	// SyslogHostname is a syslog header's host, "syslog.hostname".
	SyslogHostname
	// SyslogAppName is RFC 5424's APP-NAME or RFC 3164's tag,
	// "syslog.app_name".
	SyslogAppName
	// SyslogProcID is the sender's process id, "syslog.procid".
	SyslogProcID
	// SyslogMsgID is RFC 5424's MSGID, "syslog.msgid".
	SyslogMsgID
	// SyslogFacility is the facility number from the priority,
	// "syslog.facility".
	SyslogFacility
	// SyslogSeverity is the severity number from the priority,
	// "syslog.severity".
	SyslogSeverity

	// NumFields is the number of fields; not a field.
	NumFields
)

// names are the fields' names in rules. The journal's keep journald's own
// spelling, which operators already know from journalctl.
var names = [NumFields]string{
	ContainerTime:     "container.time",
	ContainerStream:   "container.stream",
	JournalUnit:       "_SYSTEMD_UNIT",
	JournalHostname:   "_HOSTNAME",
	JournalPID:        "_PID",
	JournalIdentifier: "SYSLOG_IDENTIFIER",
	JournalRealtime:   "__REALTIME_TIMESTAMP",
	JournalPriority:   "PRIORITY",
	SyslogTimestamp:   "syslog.timestamp",
	SyslogHostname:    "syslog.hostname",
	SyslogAppName:     "syslog.app_name",
	SyslogProcID:      "syslog.procid",
	SyslogMsgID:       "syslog.msgid",
	SyslogFacility:    "syslog.facility",
	SyslogSeverity:    "syslog.severity",
}

// String returns the name rules use for f.
func (f Field) String() string {
	if f >= NumFields {
		return ""
	}
	return names[f]
}

// Lookup returns the field a rule names, and false when name is none of
// them.
func Lookup(name string) (Field, bool) {
	for i, n := range names {
		if n == name {
			return Field(i), true
		}
	}
	return 0, false
}

// Names returns every field's name, in Field order (for documentation and
// `logspan check`).
func Names() []string {
	return append([]string(nil), names[:]...)
}

// Value is one field's value for one line. Value's bytes belong to whoever
// made the line: they are valid as long as the line's own bytes are.
type Value struct {
	Field Field
	Value []byte
}

// Get returns f's value in vs, nil when vs has none.
func Get(vs []Value, f Field) []byte {
	for i := range vs {
		if vs[i].Field == f {
			return vs[i].Value
		}
	}
	return nil
}
