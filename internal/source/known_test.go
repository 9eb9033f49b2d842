package source

import (
	"testing"
	"time"

	"github.com/logspan/logspan/internal/source/fileid"
)

func TestKnownSet(t *testing.T) {
	t0 := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	start := []byte("Nov 21 10:00:00 lb haproxy[1]: first line\n")
	other := []byte("Nov 21 11:00:00 lb haproxy[1]: another log\n")
	idOf := func(dev, ino uint64, prefix []byte, compressed bool) fileid.ID {
		id := fileid.ID{Dev: dev, Inode: ino, Compressed: compressed}
		id.Refingerprint(prefix)
		return id
	}
	log := &fileid.Known{Path: "app.log", ID: idOf(1, 10, start, false), Offset: 500, Seen: t0}
	gz := &fileid.Known{Path: "app.log.2.gz", ID: idOf(1, 20, other, true), Offset: 900, Finished: true, Seen: t0.Add(-time.Hour)}
	empty := &fileid.Known{Path: "empty.log", ID: idOf(1, 30, nil, false), Seen: t0}
	var ks knownSet
	for _, k := range []*fileid.Known{empty, log, gz} {
		ks.add(k)
	}
	tests := []struct {
		name   string
		id     fileid.ID
		prefix []byte
		want   *fileid.Known
		copied bool
	}{
		{"same file, same content", idOf(1, 10, start, false), start, log, false},
		{"compressed copy of it", idOf(1, 40, start, true), start, log, true},
		{"inode reused for another log", idOf(1, 10, other, false), other, gz, true},
		{"unknown content", idOf(1, 50, []byte("x"), false), []byte("x"), nil, false},
		{"the empty file itself", idOf(1, 30, nil, false), []byte("now written\n"), empty, false},
	}
	for _, tt := range tests {
		k, copied := ks.match(tt.id, tt.prefix)
		if k != tt.want || copied != tt.copied {
			t.Errorf("%s: match = %v, %v; want %v, %v", tt.name, k, copied, tt.want, tt.copied)
		}
	}
	if ks.finished(1, 10, t0) {
		t.Error("finished: a plain file read to its end is not finished: it may grow")
	}
	ks.forget(t0.Add(30*time.Minute), 45*time.Minute) // the .gz was seen 90 minutes before
	if len(ks.entries) != 2 || ks.finished(1, 20, t0) {
		t.Errorf("forget kept %d entries, want the 2 seen in the last 45 minutes", len(ks.entries))
	}
	// A .gz found again is marked seen, and outlives the next forget.
	ks.add(gz)
	if !ks.finished(1, 20, t0.Add(time.Hour)) {
		t.Fatal("finished: the .gz read to its end")
	}
	ks.forget(t0.Add(90*time.Minute), 45*time.Minute)
	if len(ks.entries) != 1 || ks.entries[0] != gz {
		t.Errorf("after forget: %d entries, want only the .gz, seen 30 minutes before", len(ks.entries))
	}
	ks.add(log)
	ks.drop(log)
	if k, _ := ks.match(log.ID, start); k != nil {
		t.Errorf("dropped entry still matches: %v", k)
	}
}
