package checkpoint

import (
	"os"
	"strconv"
	"testing"
)

func TestSecondOpenOfSameDirFailsUntilClose(t *testing.T) {
	dir := t.TempDir()
	first, _, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}

	second, entries, err := Open(dir)
	if err == nil {
		second.Close()
		t.Fatal("second Open of a locked state directory succeeded")
	}
	if second != nil || entries != nil {
		t.Errorf("second Open returned a Store or entries with its error")
	}
	containsAll(t, err.Error(), "another logspan", "(pid "+strconv.Itoa(os.Getpid())+")", dir)

	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	third, _, err := Open(dir)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	third.Close()
}

func TestLockFileHoldsPid(t *testing.T) {
	dir := t.TempDir()
	openStore(t, dir)
	data, err := os.ReadFile(dir + "/" + lockName)
	if err != nil {
		t.Fatal(err)
	}
	if want := strconv.Itoa(os.Getpid()) + "\n"; string(data) != want {
		t.Errorf("lock file holds %q, want %q", data, want)
	}
}
