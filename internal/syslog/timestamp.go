package syslog

// The two shapes of time a syslog header starts with. They are checked for
// shape only, not parsed: the header's time is handed to the rules as it
// was written, and its job here is to tell a header from a message.

var months = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// bsdTime returns the length of the RFC 3164 time at the start of b
// ("Dec  2 01:52:57", also "Dec 2" and "Dec 02", and the fraction of a
// second some daemons add), or 0 when there is none. The time must be
// followed by a space or the end.
func bsdTime(b []byte) int {
	if len(b) < len("Jan 2 15:04:05") || b[3] != ' ' || !isMonth(b[:3]) {
		return 0
	}
	var i int
	switch {
	case b[4] == ' ' && isDigit(b[5]), isDigit(b[4]) && isDigit(b[5]):
		i = 6
	case isDigit(b[4]) && b[5] == ' ':
		i = 5
	default:
		return 0
	}
	if len(b) < i+9 || b[i] != ' ' || !isClock(b[i+1:i+9]) {
		return 0
	}
	i += 9
	i = fraction(b, i)
	if i < 0 || (i < len(b) && b[i] != ' ') {
		return 0
	}
	return i
}

// rfc3339Time returns the length of the RFC 3339 time at the start of b
// ("2026-12-02T01:52:57.123456+00:00", zone Z or ±hh:mm, fraction
// optional), or 0 when there is none. The time must be followed by a space
// or the end.
func rfc3339Time(b []byte) int {
	const shape = "dddd-dd-ddTdd:dd:dd"
	if len(b) < len(shape)+1 {
		return 0
	}
	for i := 0; i < len(shape); i++ {
		if shape[i] == 'd' && !isDigit(b[i]) || shape[i] != 'd' && b[i] != shape[i] {
			return 0
		}
	}
	i := fraction(b, len(shape))
	switch {
	case i < 0 || i >= len(b):
		return 0
	case b[i] == 'Z':
		i++
	case b[i] == '+' || b[i] == '-':
		if len(b) < i+6 || !isDigit(b[i+1]) || !isDigit(b[i+2]) || b[i+3] != ':' || !isDigit(b[i+4]) || !isDigit(b[i+5]) {
			return 0
		}
		i += 6
	default:
		return 0
	}
	if i < len(b) && b[i] != ' ' {
		return 0
	}
	return i
}

// fraction skips ".digits" at b[i:], returning the index after it (i when
// there is no dot), or -1 for a dot without digits.
func fraction(b []byte, i int) int {
	if i >= len(b) || b[i] != '.' {
		return i
	}
	j := i + 1
	for j < len(b) && isDigit(b[j]) {
		j++
	}
	if j == i+1 {
		return -1
	}
	return j
}

func isMonth(b []byte) bool {
	for _, m := range months {
		if string(b) == m {
			return true
		}
	}
	return false
}

// isClock reports whether b is "hh:mm:ss".
func isClock(b []byte) bool {
	return isDigit(b[0]) && isDigit(b[1]) && b[2] == ':' && isDigit(b[3]) && isDigit(b[4]) &&
		b[5] == ':' && isDigit(b[6]) && isDigit(b[7])
}
