package mapping

import (
	"crypto/sha256"

	"go.opentelemetry.io/otel/trace"
)

// idBufSize is the largest rule+line that IDs hashes from a stack buffer;
// longer lines take the streaming hash, which allocates. Most lines fit
// idSmallBufSize, whose buffer costs less to clear on every line.
const (
	idSmallBufSize = 512
	idBufSize      = 4096
)

// IDs derives a span's trace id and span id from the rule's name and the
// line's bytes, so that importing the same log twice (after a crash, or a
// re-run over old files) yields the same spans rather than duplicates, and
// the same line under two rules yields distinct spans.
//
// The ids are the first 16 and the next 8 bytes of SHA-256(rule, 0x00,
// line); the zero byte keeps ("ab","c") apart from ("a","bc"), since rule
// names cannot contain it in practice. A hash is used, not a random
// generator, because the ids must be reproducible; it is a cryptographic
// one so that crafted lines cannot choose or collide ids cheaply. Neither id
// is ever all zeros (OpenTelemetry would treat it as missing).
func IDs(rule string, line []byte) (trace.TraceID, trace.SpanID) {
	var sum [sha256.Size]byte
	if n := len(rule) + 1 + len(line); n <= idSmallBufSize {
		sum = sumSmall(rule, line)
	} else if n <= idBufSize {
		sum = sumLarge(rule, line)
	} else {
		h := sha256.New()
		h.Write([]byte(rule))
		h.Write([]byte{0})
		h.Write(line)
		h.Sum(sum[:0])
	}
	var tid trace.TraceID
	var sid trace.SpanID
	copy(tid[:], sum[:16])
	copy(sid[:], sum[16:24])
	if !tid.IsValid() {
		tid[15] = 1
	}
	if !sid.IsValid() {
		sid[7] = 1
	}
	return tid, sid
}

// sumSmall and sumLarge hash rule, 0x00, line from a stack buffer of their
// size; they are apart so that a short line does not clear the large one.
func sumSmall(rule string, line []byte) [sha256.Size]byte {
	var buf [idSmallBufSize]byte
	copy(buf[:], rule)
	buf[len(rule)] = 0
	n := copy(buf[len(rule)+1:], line)
	return sha256.Sum256(buf[:len(rule)+1+n])
}

func sumLarge(rule string, line []byte) [sha256.Size]byte {
	var buf [idBufSize]byte
	copy(buf[:], rule)
	buf[len(rule)] = 0
	n := copy(buf[len(rule)+1:], line)
	return sha256.Sum256(buf[:len(rule)+1+n])
}
