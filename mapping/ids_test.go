package mapping

import (
	"bytes"
	"crypto/sha256"
	"testing"
)

func TestIDs(t *testing.T) {
	line := []byte(`10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750`)
	t1, s1 := IDs("haproxy", line)
	t2, s2 := IDs("haproxy", line)
	if t1 != t2 || s1 != s2 {
		t.Fatal("IDs is not deterministic")
	}
	if !t1.IsValid() || !s1.IsValid() {
		t.Fatal("zero id")
	}
	other := append(bytes.Clone(line), '1')
	if t3, s3 := IDs("haproxy", other); t3 == t1 || s3 == s1 {
		t.Error("different lines gave the same ids")
	}
	if t4, s4 := IDs("haproxy2", line); t4 == t1 || s4 == s1 {
		t.Error("different rules gave the same ids")
	}
	// The separator keeps the rule and the line apart.
	ta, _ := IDs("ab", []byte("c"))
	tb, _ := IDs("a", []byte("bc"))
	if ta == tb {
		t.Error(`("ab","c") and ("a","bc") collide`)
	}
	// The documented construction, for lines on both sides of the stack
	// buffer's size.
	for _, n := range []int{0, 10, idSmallBufSize - 9, idSmallBufSize - 8, idSmallBufSize - 7, idBufSize - 8, idBufSize - 7, idBufSize - 6, idBufSize, 3 * idBufSize} {
		l := bytes.Repeat([]byte{'x'}, n)
		sum := sha256.Sum256(append([]byte("haproxy\x00"), l...))
		tid, sid := IDs("haproxy", l)
		if !bytes.Equal(tid[:], sum[:16]) || !bytes.Equal(sid[:], sum[16:24]) {
			t.Errorf("line of %d bytes: ids differ from SHA-256(rule, 0, line)", n)
		}
	}
}
