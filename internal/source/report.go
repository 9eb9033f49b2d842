package source

import "log/slog"

// reporter logs each problem with a file or pattern once, until it changes
// or goes away: discovery runs every few seconds, and an unreadable file
// must not fill the journal.
type reporter struct {
	log  *slog.Logger
	last map[string]string // key -> the message last logged for it
}

func newReporter(log *slog.Logger) *reporter {
	return &reporter{log: log, last: map[string]string{}}
}

// once logs msg (an error when err is not nil, else a warning) about key,
// unless the same was logged last time.
func (r *reporter) once(key, msg string, err error) {
	text := msg
	if err != nil {
		text = msg + ": " + err.Error()
	}
	if r.last[key] == text {
		return
	}
	r.last[key] = text
	if err != nil {
		r.log.Error(msg, "file", key, "err", err)
	} else {
		r.log.Warn(msg, "file", key)
	}
}

// clear forgets key's problem: it went away, and a new one is logged.
func (r *reporter) clear(key string) { delete(r.last, key) }
