package syslog

import (
	"strconv"

	"github.com/logspan/logspan/internal/source/linemeta"
)

// decimals holds "0".."23", the facility and severity numbers as rules read
// them, made once so that a line's metadata allocates nothing.
var decimals = func() (out [24][]byte) {
	for i := range out {
		out[i] = []byte(strconv.Itoa(i))
	}
	return out
}()

// AppendMeta appends the header's values to dst as line metadata, the
// values the header gave only, and returns the extended slice. The values
// share the header's bytes. A message without a header has none.
func (h *Header) AppendMeta(dst []linemeta.Value) []linemeta.Value {
	if h.Form == NoHeader {
		return dst
	}
	dst = append(dst,
		linemeta.Value{Field: linemeta.SyslogFacility, Value: decimals[h.Facility]},
		linemeta.Value{Field: linemeta.SyslogSeverity, Value: decimals[h.Severity]})
	for _, v := range [...]linemeta.Value{
		{Field: linemeta.SyslogTimestamp, Value: h.Timestamp},
		{Field: linemeta.SyslogHostname, Value: h.Hostname},
		{Field: linemeta.SyslogAppName, Value: h.AppName},
		{Field: linemeta.SyslogProcID, Value: h.ProcID},
		{Field: linemeta.SyslogMsgID, Value: h.MsgID},
	} {
		if v.Value != nil {
			dst = append(dst, v)
		}
	}
	return dst
}

// maxMeta is the most values AppendMeta appends for one message.
const maxMeta = 7
