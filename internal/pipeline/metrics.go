package pipeline

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/logspan/logspan/emit"
	"github.com/logspan/logspan/internal/sampling"
)

// Metrics exposes a Daemon's counters to Prometheus. Counters live in Stats
// and the tailer as plain atomics, read only when Prometheus scrapes, so the
// hot path pays nothing for them; only the export latency is a histogram.
type Metrics struct {
	d       *Daemon
	latency prometheus.Histogram
}

// NewMetrics returns the collector for d; register it, then pass Observe to
// the exporter's Config.Observe.
func NewMetrics(d *Daemon) *Metrics {
	return &Metrics{d: d, latency: prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "logspan_export_duration_seconds",
		Help:    "Duration of export calls to the collector, retries counted one by one.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 15),
	})}
}

// Observe records one export call: latency, retries and health.
func (m *Metrics) Observe(a emit.Attempt) {
	m.latency.Observe(a.Duration.Seconds())
	m.d.Stats.ExportCalls.Add(1)
	if a.Retry {
		m.d.Stats.ExportRetries.Add(1)
	}
	now := time.Now()
	if m.d.Now != nil {
		now = m.d.Now()
	}
	m.d.Health.Observe(a, now)
}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("logspan_"+name, help, labels, nil)
}

var (
	descFileLines   = desc("file_lines_read_total", "Lines read from the file since it was opened.", "path")
	descFileBytes   = desc("file_bytes_read_total", "Bytes read from the file since it was opened.", "path")
	descFileSize    = desc("file_size_bytes", "Size of the file at the last poll.", "path")
	descFileAcked   = desc("file_acknowledged_offset_bytes", "Offset up to which every span of the file was acknowledged.", "path")
	descFileLag     = desc("file_lag_bytes", "File size minus acknowledged offset: what is not delivered yet.", "path")
	descFilesOpen   = desc("files_open", "Files being followed.")
	descMatched     = desc("lines_matched_total", "Lines matched, by rule.", "rule")
	descCheckFailed = desc("exports_failing", "1 while the latest export call failed.")
	descSampledOut  = desc("spans_sampled_out_total", "Spans the sampler dropped, by rule and reason (ratio, always_off, parent_unsampled).", "rule", "reason")
	descKeptByRule  = desc("spans_kept_by_rule_total", "Spans the sampler would have dropped but kept: status Error (kept_error) or slow (kept_slow).", "rule", "reason")
)

type counter struct {
	name, help string
	get        func(*Daemon) int64
}

var counters = []counter{
	{"lines_total", "Lines read.", func(d *Daemon) int64 { return d.Stats.Lines.Load() }},
	{"bytes_total", "Bytes of lines read.", func(d *Daemon) int64 { return d.Stats.Bytes.Load() }},
	{"lines_unmatched_total", "Lines no rule matched.", func(d *Daemon) int64 { return d.Stats.Unmatched.Load() }},
	{"lines_malformed_total", "Unmatched lines that began as a JSON object but were not valid JSON.", func(d *Daemon) int64 { return d.Stats.Malformed.Load() }},
	{"lines_truncated_total", "Lines cut at the length limit.", func(d *Daemon) int64 { return d.Stats.Truncated.Load() }},
	{"lines_not_records_total", "Lines of a container log (format: cri, docker, auto) that were not records of its format, passed on as written.", func(d *Daemon) int64 { return d.Stats.NotRecords.Load() }},
	{"lines_unmapped_total", "Matched lines that could not become spans.", func(d *Daemon) int64 { return d.Stats.MapErrors.Load() }},
	{"invalid_trace_context_total", "Lines whose trace context was invalid (the span became a root).", func(d *Daemon) int64 { return d.Stats.InvalidTraceContext.Load() }},
	{"unsampled_total", "Lines whose parent was not sampled (no span).", func(d *Daemon) int64 { return d.Stats.Unsampled.Load() }},
	{"spans_exported_total", "Spans acknowledged by the collector.", func(d *Daemon) int64 { return d.Stats.SpansExported.Load() }},
	{"spans_rejected_total", "Spans the collector rejected (partial success).", func(d *Daemon) int64 { return d.Stats.SpansRejected.Load() }},
	{"spans_failed_total", "Spans not delivered.", func(d *Daemon) int64 { return d.Stats.SpansFailed.Load() }},
	{"export_calls_total", "Export calls, retries included.", func(d *Daemon) int64 { return d.Stats.ExportCalls.Load() }},
	{"export_retries_total", "Export calls that failed and were retried.", func(d *Daemon) int64 { return d.Stats.ExportRetries.Load() }},
	{"checkpoint_writes_total", "Checkpoint files written.", func(d *Daemon) int64 { return d.Stats.CheckpointWrites.Load() }},
	{"checkpoint_errors_total", "Checkpoint writes that failed.", func(d *Daemon) int64 { return d.Stats.CheckpointErrors.Load() }},
	{"rules_reloads_total", "Rules reloaded.", func(d *Daemon) int64 { return d.Stats.Reloads.Load() }},
	{"rules_reload_failures_total", "Reloads refused because the rules were invalid.", func(d *Daemon) int64 { return d.Stats.ReloadFailures.Load() }},
	{"rotations_total", "Followed files rotated away.", tail(func(d *Daemon) int64 { return d.tailer.Stats.Rotations.Load() })},
	{"deletions_total", "Followed files deleted.", tail(func(d *Daemon) int64 { return d.tailer.Stats.Deletions.Load() })},
	{"truncations_total", "Files found truncated (copytruncate) and read again from the start.", tail(func(d *Daemon) int64 { return d.tailer.Stats.Truncations.Load() })},
	{"file_open_errors_total", "Failed attempts to open or read a matching file.", tail(func(d *Daemon) int64 { return d.tailer.Stats.OpenErrors.Load() })},
}

// tail guards a counter that needs the tailer, which exists once Run runs.
func tail(get func(*Daemon) int64) func(*Daemon) int64 {
	return func(d *Daemon) int64 {
		if d.Tailer() == nil {
			return 0
		}
		return get(d)
	}
}

var counterDescs = func() []*prometheus.Desc {
	out := make([]*prometheus.Desc, len(counters))
	for i, c := range counters {
		out[i] = desc(c.name, c.help)
	}
	return out
}()

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range counterDescs {
		ch <- d
	}
	for _, d := range []*prometheus.Desc{descFileLines, descFileBytes, descFileSize, descFileAcked, descFileLag, descFilesOpen, descMatched, descCheckFailed, descSampledOut, descKeptByRule} {
		ch <- d
	}
	m.latency.Describe(ch)
	m.eachStreamCollector(func(c prometheus.Collector) { c.Describe(ch) })
}

// eachStreamCollector calls f with every stream that counts things of its
// own (a syslog receiver's drops): a stream that is a prometheus.Collector.
func (m *Metrics) eachStreamCollector(f func(prometheus.Collector)) {
	for _, s := range m.d.Streams {
		if c, ok := s.Stream.(prometheus.Collector); ok {
			f(c)
		}
	}
}

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	d := m.d
	m.latency.Collect(ch)
	m.eachStreamCollector(func(c prometheus.Collector) { c.Collect(ch) })
	for i, c := range counters {
		ch <- prometheus.MustNewConstMetric(counterDescs[i], prometheus.CounterValue, float64(c.get(d)))
	}
	d.Stats.eachRule(func(name string, _ bool, n int64) {
		ch <- prometheus.MustNewConstMetric(descMatched, prometheus.CounterValue, float64(n), name)
	})
	d.Stats.eachSampled(func(rule string, dec sampling.Decision, n int64) {
		desc := descSampledOut
		if !dec.Dropped() {
			desc = descKeptByRule
		}
		ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, float64(n), rule, dec.String())
	})
	failing := 0.0
	if d.Health.failingSince.Load() != 0 {
		failing = 1
	}
	ch <- prometheus.MustNewConstMetric(descCheckFailed, prometheus.GaugeValue, failing)
	t := d.Tailer()
	if t == nil {
		return
	}
	files := t.Files()
	ch <- prometheus.MustNewConstMetric(descFilesOpen, prometheus.GaugeValue, float64(len(files)))
	seen := map[string]bool{}
	for _, f := range files {
		path := f.Path()
		if seen[path] {
			continue // a rotated file and its successor briefly share a name
		}
		seen[path] = true
		ch <- prometheus.MustNewConstMetric(descFileLines, prometheus.CounterValue, float64(f.Lines.Load()), path)
		ch <- prometheus.MustNewConstMetric(descFileBytes, prometheus.CounterValue, float64(f.Bytes.Load()), path)
		acked, ok := d.acks.acked(f.ID)
		if ok {
			ch <- prometheus.MustNewConstMetric(descFileAcked, prometheus.GaugeValue, float64(acked), path)
		}
		if size := f.Size(); size >= 0 {
			ch <- prometheus.MustNewConstMetric(descFileSize, prometheus.GaugeValue, float64(size), path)
			if ok {
				ch <- prometheus.MustNewConstMetric(descFileLag, prometheus.GaugeValue, float64(max(0, size-acked)), path)
			}
		}
	}
}
