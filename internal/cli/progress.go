package cli

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/logspan/logspan/internal/pipeline"
)

// startProgress draws a progress bar of bytes read on w (a terminal) four
// times a second until the returned stop is called, which erases it.
func startProgress(w io.Writer, progress func() (done, total int64), stats *pipeline.Stats) (stop func()) {
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	start := time.Now()
	go func() {
		defer wg.Done()
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-quit:
				fmt.Fprint(w, "\r\033[K")
				return
			case <-t.C:
				done, total := progress()
				fmt.Fprint(w, "\r\033[K"+progressLine(done, total, stats.Lines.Load(), stats.SpansExported.Load(), time.Since(start)))
			}
		}
	}()
	return func() { close(quit); wg.Wait() }
}

// progressLine renders one line of the bar.
func progressLine(done, total, lines, spans int64, elapsed time.Duration) string {
	const width = 30
	rate := float64(lines) / elapsed.Seconds()
	if total <= 0 {
		return fmt.Sprintf("%s read, %d lines, %d spans, %.0f lines/s", mib(done), lines, spans, rate)
	}
	frac := float64(done) / float64(total)
	if frac > 1 {
		frac = 1
	}
	n := int(frac * width)
	return fmt.Sprintf("[%s%s] %3.0f%% %s/%s, %d lines, %d spans, %.0f lines/s",
		strings.Repeat("=", n), strings.Repeat(" ", width-n), frac*100, mib(done), mib(total), lines, spans, rate)
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
