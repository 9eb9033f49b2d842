package emit

import (
	"os"
	"time"
)

// Defaults for the zero fields of Config; see each field's comment.
const (
	defaultBatchSize     = 512
	defaultFlushInterval = time.Second
	defaultMaxInFlight   = 4
	defaultRetryInitial  = 500 * time.Millisecond
	defaultRetryMax      = 30 * time.Second
	defaultRetryElapsed  = 5 * time.Minute
)

// withDefaults fills the zero fields of c, so the rest of the package reads
// one resolved value instead of re-deciding what zero means.
func (c Config) withDefaults() Config {
	if c.BatchSize <= 0 {
		c.BatchSize = defaultBatchSize
	}
	if c.FlushInterval <= 0 {
		c.FlushInterval = defaultFlushInterval
	}
	if c.MaxInFlight <= 0 {
		c.MaxInFlight = defaultMaxInFlight
	}
	if c.Retry.Initial <= 0 {
		c.Retry.Initial = defaultRetryInitial
	}
	if c.Retry.Max <= 0 {
		c.Retry.Max = defaultRetryMax
	}
	if c.Retry.Max < c.Retry.Initial {
		c.Retry.Max = c.Retry.Initial
	}
	if c.Retry.MaxElapsed == 0 {
		c.Retry.MaxElapsed = defaultRetryElapsed
	}
	if c.Stdout == nil {
		c.Stdout = os.Stdout
	}
	return c
}
