package journal

import (
	"slices"
	"testing"
	"time"
)

func TestArgs(t *testing.T) {
	base := []string{"--follow", "--output=json", "--all", "--merge", "--no-pager"}
	since := time.Date(2024, 3, 1, 12, 0, 5, 250_000_000, time.UTC)
	tests := []struct {
		name string
		opts Options
		st   start
		want []string
	}{
		{"end: new entries only", Options{}, start{}, []string{"--lines=0"}},
		{"beginning: every entry", Options{StartAtBeginning: true}, start{}, []string{"--lines=all"}},
		{"a cursor wins over start", Options{StartAtBeginning: true}, start{cursor: "s=1;i=2"},
			[]string{"--after-cursor=s=1;i=2", "--lines=all"}},
		{"a restart before any cursor", Options{}, start{since: since},
			[]string{"--since=@1709294405.250000", "--lines=all"}},
		{"units, services by default", Options{Units: []string{"haproxy", "nginx.service", "x.socket"}}, start{},
			[]string{"--lines=0", "_SYSTEMD_UNIT=haproxy.service", "_SYSTEMD_UNIT=nginx.service", "_SYSTEMD_UNIT=x.socket"}},
		{"a directory", Options{Directory: "/mnt/journal"}, start{}, []string{"--lines=0", "--directory=/mnt/journal"}},
		{"files", Options{Files: []string{"/a.journal", "/b.journal"}}, start{}, []string{"--lines=0", "--file=/a.journal", "--file=/b.journal"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.opts.args(tt.st)
			want := append(slices.Clone(base), tt.want...)
			if !slices.Equal(got, want) {
				t.Errorf("args =\n %q\nwant\n %q", got, want)
			}
		})
	}
}

func TestKey(t *testing.T) {
	tests := []struct {
		opts Options
		name string
		want string
	}{
		{Options{}, "", "journal:"},
		{Options{Units: []string{"haproxy", "nginx.service"}}, "", "journal:haproxy.service,nginx.service"},
		{Options{Units: []string{"haproxy"}}, "edge", "journal:edge"},
		{Options{Units: []string{"haproxy"}, Directory: "/mnt/j"}, "", "journal:haproxy.service@/mnt/j"},
		{Options{Files: []string{"/a", "/b"}}, "", "journal:@/a,/b"},
	}
	for _, tt := range tests {
		if got := New(tt.opts, tt.name, nil).Key(); got != tt.want {
			t.Errorf("Key(%+v, %q) = %q, want %q", tt.opts, tt.name, got, tt.want)
		}
	}
}
