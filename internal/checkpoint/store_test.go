package checkpoint

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/logspan/logspan/internal/source/fileid"
)

func TestSaveThenOpenReturnsEqualEntries(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	s, got := openStore(t, dir)
	if len(got) != 0 {
		t.Fatalf("fresh dir: got %d entries, want none", len(got))
	}
	if s.Dir() != dir {
		t.Errorf("Dir() = %q, want %q", s.Dir(), dir)
	}
	want := sampleEntries()
	if written, err := s.Save(want); err != nil || !written {
		t.Fatalf("Save = %v, %v; want true, nil", written, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	_, got = openStore(t, dir)
	sorted := canonical(want)
	sameEntries(t, got, sorted)
}

func TestFileIsSortedVersionedAndReadable(t *testing.T) {
	dir := t.TempDir()
	s, _ := openStore(t, dir)
	entries := append(sampleEntries(), Entry{Path: "/var/log/haproxy.log", ID: fileid.ID{Dev: 2049, Inode: 1}, Offset: 3})
	if _, err := s.Save(entries); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, fileName))
	if err != nil {
		t.Fatal(err)
	}
	var f fileFormat
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatalf("file is not JSON: %v\n%s", err, data)
	}
	if f.Version != 1 {
		t.Errorf("version %d, want 1", f.Version)
	}
	if f.Written.IsZero() {
		t.Error(`"written" is missing`)
	}
	var keys []string
	for _, e := range f.Entries {
		keys = append(keys, e.Path)
	}
	want := []string{"/var/log/empty.log", "/var/log/haproxy.log", "/var/log/haproxy.log", "/var/log/haproxy.log.1", "/var/log/haproxy.log.2.gz"}
	if !slices.Equal(keys, want) {
		t.Errorf("paths in file order %q, want %q", keys, want)
	}
	if f.Entries[1].Inode != 1 || f.Entries[2].Inode != 1234 {
		t.Errorf("same path not sorted by inode: %d, %d", f.Entries[1].Inode, f.Entries[2].Inode)
	}
	if !strings.Contains(string(data), "\n  \"entries\": [\n") {
		t.Errorf("file is not indented:\n%s", data)
	}
	for _, e := range f.Entries {
		if e.Seen.Location().String() != "UTC" {
			t.Errorf("%s: seen written in %s, want UTC", e.Path, e.Seen.Location())
		}
	}
}

func TestSaveWritesOnlyWhenEntriesChange(t *testing.T) {
	dir := t.TempDir()
	s, _ := openStore(t, dir)
	entries := sampleEntries()
	moved := sampleEntries()
	moved[0].Offset += 100
	reversed := slices.Clone(moved)
	slices.Reverse(reversed)

	steps := []struct {
		name    string
		entries []Entry
		want    bool
	}{
		{"first save", entries, true},
		{"same entries", entries, false},
		{"same entries again", sampleEntries(), false},
		{"offset moved", moved, true},
		{"same, other order", reversed, false},
		{"offset moved back", entries, true},
		{"no entries", nil, true},
		{"still none", []Entry{}, false},
	}
	for _, st := range steps {
		before, _ := os.ReadFile(filepath.Join(dir, fileName))
		written, err := s.Save(st.entries)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if written != st.want {
			t.Errorf("%s: written = %v, want %v", st.name, written, st.want)
		}
		after, _ := os.ReadFile(filepath.Join(dir, fileName))
		if !written && string(after) != string(before) {
			t.Errorf("%s: file changed although Save returned false", st.name)
		}
	}
}

func TestSaveAfterOpenSkipsLoadedEntries(t *testing.T) {
	dir := t.TempDir()
	s, _ := openStore(t, dir)
	if _, err := s.Save(sampleEntries()); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s2, loaded := openStore(t, dir)
	if written, err := s2.Save(loaded); err != nil || written {
		t.Errorf("Save(loaded) = %v, %v; want false, nil (nothing moved since start)", written, err)
	}
	if written, err := s2.Save(sampleEntries()); err != nil || written {
		t.Errorf("Save(same entries, local zone) = %v, %v; want false, nil", written, err)
	}
}

func TestSaveIsAtomicAndLeavesNoTempFiles(t *testing.T) {
	dir := t.TempDir()
	s, _ := openStore(t, dir)
	path := filepath.Join(dir, fileName)
	entries := sampleEntries()
	if _, err := s.Save(entries); err != nil {
		t.Fatal(err)
	}

	// A concurrent reader, like an operator running cat or the next
	// daemon start, must only ever see a complete file.
	done := make(chan struct{})
	var wg sync.WaitGroup
	var readerErr error
	reads := 0
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			data, err := os.ReadFile(path)
			if err == nil {
				_, err = decodeFile(data)
			}
			if err != nil {
				readerErr = err
				return
			}
			reads++
		}
	}()

	for i := range 200 {
		entries[0].Offset = int64(i) * 1000
		written, err := s.Save(entries)
		if err != nil || !written {
			t.Fatalf("save %d: %v, %v", i, written, err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("after save %d: %v", i, err)
		}
		got, err := decodeFile(data)
		if err != nil {
			t.Fatalf("after save %d: file not valid: %v", i, err)
		}
		if got[1].Path != entries[0].Path || got[1].Offset != entries[0].Offset {
			t.Fatalf("after save %d: entry %+v, want offset %d", i, got[1], entries[0].Offset)
		}
	}
	close(done)
	wg.Wait()
	if readerErr != nil {
		t.Errorf("concurrent reader saw an invalid file: %v", readerErr)
	}
	t.Logf("concurrent reader read %d complete files", reads)
	if tmp := tempFiles(t, dir); len(tmp) != 0 {
		t.Errorf("temp files left: %q", tmp)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{fileName, lockName}) {
		t.Errorf("state dir holds %q, want only %s and %s", names, fileName, lockName)
	}
}

func TestOpenRemovesTempFilesLeftByACrash(t *testing.T) {
	dir := t.TempDir()
	leftover := filepath.Join(dir, fileName+".tmp-123456")
	if err := os.WriteFile(leftover, []byte(`{"version":1,"entr`), 0o600); err != nil {
		t.Fatal(err)
	}
	openStore(t, dir)
	if tmp := tempFiles(t, dir); len(tmp) != 0 {
		t.Errorf("temp files left after Open: %q", tmp)
	}
}

func TestSaveRefusesInvalidEntries(t *testing.T) {
	dir := t.TempDir()
	s, _ := openStore(t, dir)
	good := sampleEntries()
	if _, err := s.Save(good); err != nil {
		t.Fatal(err)
	}
	bad := sampleEntries()
	bad[2].Offset = -1
	written, err := s.Save(bad)
	if err == nil || written {
		t.Fatalf("Save(negative offset) = %v, %v; want false and an error", written, err)
	}
	containsAll(t, err.Error(), "negative offset", bad[2].Path)
	s.Close()
	_, got := openStore(t, dir)
	sameEntries(t, got, canonical(good))
}

func TestSaveAfterCloseFails(t *testing.T) {
	s, _ := openStore(t, t.TempDir())
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if written, err := s.Save(sampleEntries()); err == nil || written {
		t.Errorf("Save after Close = %v, %v; want false and an error", written, err)
	}
}
