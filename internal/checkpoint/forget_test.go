package checkpoint

import (
	"slices"
	"testing"
	"time"
)

func TestForget(t *testing.T) {
	now := time.Date(2026, 5, 6, 12, 0, 0, 0, time.UTC)
	week := 7 * 24 * time.Hour
	entries := []Entry{
		{Path: "fresh", Seen: now},
		{Path: "old", Seen: now.Add(-week - time.Nanosecond)},
		{Path: "exactly max age", Seen: now.Add(-week)},
		{Path: "never seen", Seen: time.Time{}},
		{Path: "future", Seen: now.Add(time.Hour)},
		{Path: "day ago, other zone", Seen: now.Add(-24 * time.Hour).In(time.FixedZone("X", -8*3600))},
		{Path: "very old", Seen: now.Add(-10 * week)},
	}
	tests := []struct {
		name   string
		maxAge time.Duration
		want   []string
	}{
		{"week", week, []string{"fresh", "exactly max age", "future", "day ago, other zone"}},
		{"hour", time.Hour, []string{"fresh", "future"}},
		{"long", 100 * week, []string{"fresh", "old", "exactly max age", "future", "day ago, other zone", "very old"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := slices.Clone(entries)
			var got []string
			for _, e := range Forget(input, now, tt.maxAge) {
				got = append(got, e.Path)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("kept %q, want %q", got, tt.want)
			}
			if !slices.Equal(input, entries) {
				t.Error("Forget modified its input")
			}
		})
	}
	if got := Forget(nil, now, week); len(got) != 0 {
		t.Errorf("Forget(nil) = %v", got)
	}
}
