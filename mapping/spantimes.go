package mapping

import (
	"errors"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/logspan/logspan/parsers"
)

// spanTimes is the compiled Start, End and Duration of a Spec: it places
// a line's span in time, from whichever of the three the line has (see
// Spec.Start for the rules).
type spanTimes struct {
	start, end *timeReader // nil: not logged
	dur        int         // duration field, -1: not logged
	unit       durationUnit
	lowerKey   attribute.Key
}

// compileSpanTimes checks that the Spec gives enough to place a span and
// compiles each part, reporting a mistake in each (start, end, duration).
func compileSpanTimes(spec Spec, fi fieldIndex) (spanTimes, SpecErrors) {
	st := spanTimes{dur: -1}
	if spec.Start == nil && spec.End == nil {
		if spec.Duration != nil {
			return st, SpecErrors{specErr("start", "a duration alone cannot place a span: give start (a field holding the start time), end (the end time), or both")}
		}
		return st, SpecErrors{specErr("start", "give start (a field holding the span's start time), end (its end time), or either with a duration")}
	}
	var errs SpecErrors
	var serr *SpecError
	if spec.Start != nil {
		if st.start, serr = compileTime("start", *spec.Start, fi); serr != nil {
			errs = append(errs, serr)
		}
	}
	if spec.End != nil {
		if st.end, serr = compileTime("end", *spec.End, fi); serr != nil {
			errs = append(errs, serr)
		} else if st.start != nil && st.end.field == st.start.field {
			errs = append(errs, specErr("end.field", "%q is the start's field too: a span would always have zero length (leave end out for that)", spec.End.Field))
		}
	}
	if d := spec.Duration; d != nil {
		if st.dur, serr = fi.lookup("duration.field", d.Field); serr != nil {
			errs = append(errs, serr)
		} else if st.start != nil && st.dur == st.start.field || st.end != nil && st.dur == st.end.field {
			errs = append(errs, specErr("duration.field", "%q holds a time (start or end), not a duration", d.Field))
		}
		st.unit = defaultDurationUnit
		if d.Unit != "" {
			u, ok := durationUnits[d.Unit]
			if !ok {
				errs = append(errs, specErr("duration.unit", "unknown unit %q (expected s, ms, us, ns or go for Go duration strings such as 1.5ms)", d.Unit))
			}
			st.unit = u
		}
		st.lowerKey = attribute.Key(d.LowerBoundAttribute)
	}
	return st, errs
}

// timeState says what a line holds in a time field.
type timeState uint8

const (
	timeAbsent timeState = iota
	timeOK
	timeMalformed
)

// place computes a line's start and end. lowerBound says the duration was
// used and was only a lower bound (HAProxy's logasap "+N"). The error is
// for a line with neither its start nor its end time; it explains the
// start's field when the Spec has one, else the end's. Malformed values
// are counted in out.BadValues when the span is made anyway.
func (st *spanTimes) place(m *Mapper, match *parsers.Match, out *Outcome) (start, end time.Time, lowerBound bool, err error) {
	var s, e time.Time
	sState, eState := timeAbsent, timeAbsent
	if st.start != nil {
		s, sState = readTime(m, match, st.start)
	}
	if st.end != nil {
		e, eState = readTime(m, match, st.end)
	}
	if sState != timeOK && eState != timeOK {
		if st.start != nil {
			return s, e, false, timeError(m, match, st.start, sState)
		}
		return s, e, false, timeError(m, match, st.end, eState)
	}
	if sState == timeMalformed || eState == timeMalformed {
		out.BadValues++
	}

	var d durationValue
	dOK := false
	if st.dur >= 0 {
		if v, ok := m.value(match, st.dur); ok {
			d, ok = parseDuration(v, st.unit)
			switch {
			case !ok:
				out.BadValues++
			case !d.negative:
				dOK = true
			}
		}
	}

	used := false
	switch {
	case sState == timeOK:
		start = s
	case dOK:
		start, used = e.Add(-d.d), true
	default:
		start = e
	}
	switch {
	case eState == timeOK:
		end = e
		if end.Before(start) {
			end = start
		}
	case dOK:
		end, used = start.Add(d.d), true
	default:
		end = start
	}
	return start, end, used && d.lowerBound, nil
}

// readTime reads one time field.
func readTime(m *Mapper, match *parsers.Match, r *timeReader) (time.Time, timeState) {
	v, ok := m.value(match, r.field)
	if !ok {
		return time.Time{}, timeAbsent
	}
	t, ok := r.parse(v)
	if !ok {
		return time.Time{}, timeMalformed
	}
	return t, timeOK
}

// timeError explains why a time field gave no time; it is built only when
// a line fails, so that a line that does not need it allocates nothing.
func timeError(m *Mapper, match *parsers.Match, r *timeReader, state timeState) error {
	if state == timeMalformed {
		v, _ := m.value(match, r.field)
		return r.notATime(v)
	}
	return errors.New("field " + r.name + " is absent")
}
