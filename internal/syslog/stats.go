package syslog

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Stats counts what a receiver did, as plain atomics read when Prometheus
// scrapes.
type Stats struct {
	Received atomic.Int64 // messages read from the socket
	NoHeader atomic.Int64 // messages without a valid header, passed whole
	Cut      atomic.Int64 // messages longer than MaxMessage, cut
	// Dropped are messages lost by logspan, by reason: datagrams refused
	// by a full queue, and messages still queued when logspan stopped.
	DroppedQueueFull atomic.Int64
	DroppedShutdown  atomic.Int64
	// DroppedReceiveBuffer are UDP datagrams the kernel dropped because
	// the socket's receive buffer was full (SO_RXQ_OVFL): logspan did not
	// read fast enough, or net.core.rmem_max is small for the bursts.
	DroppedReceiveBuffer atomic.Int64
	Connections          atomic.Int64 // TCP connections open now
	Rejected             atomic.Int64 // TCP connections closed at once: MaxConnections were open
}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("logspan_syslog_"+name, help, append([]string{"listen"}, labels...), nil)
}

var (
	descReceived    = desc("messages_total", "Syslog messages received.")
	descNoHeader    = desc("messages_without_header_total", "Syslog messages without a valid header, passed whole to the rules.")
	descCut         = desc("messages_cut_total", "Syslog messages longer than the longest line, cut.")
	descDropped     = desc("dropped_total", "Syslog messages lost: queue_full (datagrams while the queue was full), shutdown (queued when logspan stopped), receive_buffer (UDP datagrams the kernel dropped).", "reason")
	descQueued      = desc("queued_messages", "Syslog messages waiting for the pipeline.")
	descConnections = desc("connections", "TCP connections open.")
	descRejected    = desc("connections_rejected_total", "TCP connections closed at once because the most allowed were open.")
)

// Describe implements prometheus.Collector.
func (s *Stream) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descReceived, descNoHeader, descCut, descDropped, descQueued, descConnections, descRejected} {
		ch <- d
	}
}

// Collect implements prometheus.Collector, labelling every value with the
// listen URL.
func (s *Stream) Collect(ch chan<- prometheus.Metric) {
	st, l := &s.Stats, s.cfg.Addr.URL
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), append([]string{l}, labels...)...)
	}
	counter(descReceived, st.Received.Load())
	counter(descNoHeader, st.NoHeader.Load())
	counter(descCut, st.Cut.Load())
	counter(descDropped, st.DroppedQueueFull.Load(), "queue_full")
	counter(descDropped, st.DroppedShutdown.Load(), "shutdown")
	if s.cfg.Addr.Network == "udp" {
		counter(descDropped, st.DroppedReceiveBuffer.Load(), "receive_buffer")
	}
	ch <- prometheus.MustNewConstMetric(descQueued, prometheus.GaugeValue, float64(s.Queued()), l)
	if s.cfg.Addr.Network == "tcp" {
		ch <- prometheus.MustNewConstMetric(descConnections, prometheus.GaugeValue, float64(st.Connections.Load()), l)
		counter(descRejected, st.Rejected.Load())
	}
}
