package cli

import (
	"log/slog"

	"github.com/logspan/logspan/internal/config"
	"github.com/logspan/logspan/internal/pipeline"
	"github.com/logspan/logspan/internal/syslog"
)

var _ pipeline.Stream = (*syslog.Stream)(nil)

// appendSyslog opens a receiver for every listen URL of the syslog inputs
// and appends it to streams with its input's rules. The sockets are bound
// here, so that a port in use stops logspan at startup; on an error the
// ones already opened are closed.
func appendSyslog(streams []pipeline.StreamInput, inputs []config.Input, log *slog.Logger) ([]pipeline.StreamInput, error) {
	var opened []*syslog.Stream
	for _, in := range inputs {
		if in.Syslog == nil {
			continue
		}
		for _, a := range in.Syslog.Listen {
			s, err := syslog.New(syslog.Config{
				Addr: a, QueueMessages: in.Syslog.Queue, QueueBytes: in.Syslog.QueueBytes,
				MaxConnections: in.Syslog.MaxConnections, SocketMode: in.Syslog.SocketMode, Log: log,
			})
			if err != nil {
				for _, o := range opened {
					_ = o.Close()
				}
				return streams, err
			}
			opened = append(opened, s)
			streams = append(streams, pipeline.StreamInput{Name: syslogName(a), Stream: s, Rules: in.Rules})
		}
	}
	return streams, nil
}
