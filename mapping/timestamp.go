package mapping

import (
	"fmt"
	"strings"
	"time"
)

// haproxyLayout is HAProxy's bracketed date without its milliseconds, the
// layout the hand-written fast path reads. HAProxy's own layout,
// "02/Jan/2006:15:04:05.000", is reduced to it (see lenientLayout).
const haproxyLayout = "02/Jan/2006:15:04:05"

// timeReader reads one timestamp field, as compiled by New from a TimeSpec.
type timeReader struct {
	field int
	name  string // field name, for messages

	// layout is the operator's layout, quoted in messages; parseLayout is
	// the one actually parsed (fractional seconds made optional).
	layout      string
	parseLayout string
	fast        bool // parseLayout is haproxyLayout
	rfc3339     bool // layout is the RFC3339Layout shorthand

	// epoch is the unit of an epoch timestamp as a power of ten of
	// nanoseconds (9 for seconds), when epochName is set.
	epoch     int
	epochName string

	loc *time.Location
}

// RFC3339Layout is the TimeSpec.Layout shorthand for RFC 3339 times with
// an optional fraction of any length and a zone of "Z" or ±hh:mm
// ("2026-12-01T10:00:00.123456789Z", "2026-12-01T11:00:00.123+01:00"):
// Traefik's StartUTC, Envoy's %START_TIME%, ALB's time fields, Caddy's
// rfc3339 formats. Such times carry their zone, so the TimeSpec's
// Location only sets the zone the span's times are shown in.
const RFC3339Layout = "rfc3339"

// epochUnits are the units an epoch timestamp may be written in, as
// powers of ten of nanoseconds.
var epochUnits = map[string]int{"s": 9, "ms": 6, "us": 3, "ns": 0}

// compileTime checks a TimeSpec and resolves its field; prefix is the
// rules.yaml key the spec sits under ("start" or "end").
func compileTime(prefix string, ts TimeSpec, fi fieldIndex) (*timeReader, *SpecError) {
	f, serr := fi.lookup(prefix+".field", ts.Field)
	if serr != nil {
		return nil, serr
	}
	r := &timeReader{field: f, name: ts.Field, loc: ts.Location}
	if r.loc == nil {
		r.loc = time.Local
	}
	switch {
	case ts.Layout != "" && ts.Epoch != "":
		return nil, specErr(prefix+".epoch", "set either a layout or an epoch unit, not both")
	case ts.Epoch != "":
		u, ok := epochUnits[ts.Epoch]
		if !ok {
			return nil, specErr(prefix+".epoch", "unknown epoch unit %q (expected s, ms, us or ns)", ts.Epoch)
		}
		r.epoch, r.epochName = u, ts.Epoch
		return r, nil
	case ts.Layout == "":
		return nil, specErr(prefix+".layout", "a layout (e.g. %q or %q) or an epoch unit is required", "02/Jan/2006:15:04:05.000", RFC3339Layout)
	case strings.EqualFold(ts.Layout, RFC3339Layout):
		r.layout, r.rfc3339 = RFC3339Layout, true
		return r, nil
	}
	r.layout = ts.Layout
	r.parseLayout = lenientLayout(ts.Layout)
	if err := checkLayout(ts.Layout, r.parseLayout, r.loc); err != nil {
		return nil, &SpecError{Path: prefix + ".layout", Err: err}
	}
	r.fast = r.parseLayout == haproxyLayout
	return r, nil
}

// checkLayout makes sure a layout can read the times it writes, and that
// it carries a full date and time to the minute: a layout without a year,
// or with a 12-hour clock and no AM/PM, would silently put spans on the
// wrong day.
func checkLayout(layout, parseLayout string, loc *time.Location) error {
	ref := time.Date(2026, time.August, 21, 18, 7, 40, 123456789, loc)
	s := ref.Format(layout)
	got, err := time.ParseInLocation(parseLayout, s, loc)
	if err != nil {
		return fmt.Errorf("layout %q does not parse its own reference time %q (%v); write the reference date Mon Jan 2 15:04:05 MST 2006 the way the log does", layout, s, err)
	}
	if d := got.Sub(ref); d <= -time.Minute || d >= time.Minute {
		return fmt.Errorf("layout %q loses part of the date or time: %s written as %q reads back as %s; it needs a year, month, day, 24-hour (or AM/PM) hour and minute",
			layout, ref.Format(time.RFC3339), s, got.Format(time.RFC3339))
	}
	return nil
}

// lenientLayout removes a fractional-seconds element (".000", ",999", ...)
// that directly follows the seconds. Go reads a fraction after the seconds
// even when the layout has none, so the result reads lines with and without
// milliseconds alike: HAProxy's old lines have none, and a strict ".000"
// would reject them.
func lenientLayout(layout string) string {
	for i := 0; i+3 < len(layout); i++ {
		if layout[i] != '0' || layout[i+1] != '5' {
			continue
		}
		if c := layout[i+2]; c != '.' && c != ',' {
			continue
		}
		d := layout[i+3]
		if d != '0' && d != '9' {
			continue
		}
		j := i + 3
		for j < len(layout) && layout[j] == d {
			j++
		}
		if j < len(layout) && layout[j] >= '0' && layout[j] <= '9' {
			continue
		}
		return layout[:i+2] + layout[j:]
	}
	return layout
}

// parse reads a timestamp; ok is false when b is not one.
func (r *timeReader) parse(b []byte) (time.Time, bool) {
	switch {
	case r.epochName != "":
		return parseEpoch(b, r.epoch, r.loc)
	case r.rfc3339:
		if t, ok := parseRFC3339(b, r.loc); ok {
			return t, true
		}
		t, err := time.ParseInLocation(time.RFC3339, string(b), r.loc)
		return t.In(r.loc), err == nil
	case r.fast:
		if t, ok := parseHAProxyDate(b, r.loc); ok {
			return t, true
		}
	}
	t, err := time.ParseInLocation(r.parseLayout, string(b), r.loc)
	return t, err == nil
}

// notATime explains why a timestamp field was rejected.
func (r *timeReader) notATime(b []byte) error {
	v := string(b)
	if len(v) > 64 {
		v = v[:64] + "..."
	}
	if r.epochName != "" {
		return fmt.Errorf("field %s: %q is not an epoch time in %s", r.name, v, r.epochName)
	}
	return fmt.Errorf("field %s: %q is not a time in layout %q", r.name, v, r.layout)
}

// shortMonths are the month names in HAProxy dates, as Go writes them.
var shortMonths = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// parseHAProxyDate reads "02/Jan/2006:15:04:05" with an optional fraction
// of any length after the seconds, exactly as time.ParseInLocation does
// with that layout, but several times faster. It returns ok=false for
// anything it does not handle (out-of-range values, other spellings of the
// month), and the caller then asks time.ParseInLocation, so the two never
// disagree: the fast path only ever accepts inputs the slow one accepts,
// with the same result.
func parseHAProxyDate(b []byte, loc *time.Location) (time.Time, bool) {
	if len(b) < 20 || b[2] != '/' || b[6] != '/' || b[11] != ':' || b[14] != ':' || b[17] != ':' {
		return time.Time{}, false
	}
	day, ok1 := digits(b[0:2])
	year, ok2 := digits(b[7:11])
	hour, ok3 := digits(b[12:14])
	minute, ok4 := digits(b[15:17])
	sec, ok5 := digits(b[18:20])
	if !(ok1 && ok2 && ok3 && ok4 && ok5) {
		return time.Time{}, false
	}
	month := 0
	for i, m := range shortMonths {
		if string(b[3:6]) == m {
			month = i + 1
			break
		}
	}
	if month == 0 || day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	nsec := 0
	if len(b) > 20 {
		// A fraction: '.' or ',', then at least one digit, all digits to
		// the end; digits past the ninth are read and dropped.
		if b[20] != '.' && b[20] != ',' || len(b) == 21 {
			return time.Time{}, false
		}
		scale := 100000000
		for _, c := range b[21:] {
			if c < '0' || c > '9' {
				return time.Time{}, false
			}
			nsec += int(c-'0') * scale
			scale /= 10
		}
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc), true
}

// digits reads a fixed-width unsigned decimal number.
func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// parseEpoch reads a count of 10^exp nanoseconds since 1970, as a
// decimal number (see scanDecimal): "1764621600", "1764621600.1234567",
// "1764621600123.456" in ms, or the exponent form some JSON encoders
// write, "1.7646216001234567e9". Integer arithmetic throughout, so that
// "1764621600.123" is exactly 123 ms and not a float's approximation;
// digits below a nanosecond are truncated. Times before 1970 (a sign) and
// after 2262 (beyond an int64 of nanoseconds) are refused.
func parseEpoch(b []byte, exp int, loc *time.Location) (time.Time, bool) {
	ns, ok := parseNanos(b, exp)
	if !ok {
		return time.Time{}, false
	}
	return time.Unix(0, ns).In(loc), true
}

// parseRFC3339 reads "2006-01-02T15:04:05" with an optional fraction of
// any length and a zone of "Z" or ±hh:mm, as time.Parse does with
// time.RFC3339 but without allocating. Like parseHAProxyDate, it returns
// ok=false for anything else (out-of-range fields, other spellings), and
// the caller then asks time.Parse, so the two agree on every instant.
func parseRFC3339(b []byte, loc *time.Location) (time.Time, bool) {
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	year, ok1 := digits(b[0:4])
	month, ok2 := digits(b[5:7])
	day, ok3 := digits(b[8:10])
	hour, ok4 := digits(b[11:13])
	minute, ok5 := digits(b[14:16])
	sec, ok6 := digits(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 ||
		day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	rest := b[19:]
	nsec := 0
	if rest[0] == '.' {
		scale := 100000000
		i := 1
		for ; i < len(rest) && isDigit(rest[i]); i++ {
			nsec += int(rest[i]-'0') * scale
			scale /= 10
		}
		if i == 1 {
			return time.Time{}, false
		}
		rest = rest[i:]
	}
	offset := 0
	switch {
	case len(rest) == 1 && rest[0] == 'Z':
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := digits(rest[1:3])
		om, ok2 := digits(rest[4:6])
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return time.Time{}, false
		}
		offset = (oh*60 + om) * 60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	return t.Add(-time.Duration(offset) * time.Second).In(loc), true
}
