package syslog

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
)

// Framer splits a TCP byte stream into syslog messages, framed as RFC 6587
// says senders do: octet counting ("123 <134>...", the length, a space and
// that many bytes) or a newline after each message. The framing is told
// apart per frame by its first bytes, digits then a space, since a sender
// may be either and a message never starts that way (it starts with '<').
// Messages longer than the limit are cut and the rest of their frame is
// skipped, so one runaway sender cannot make the receiver hold more.
type Framer struct {
	r   *bufio.Reader
	max int
	buf []byte
	err error
}

// maxCountDigits bounds an octet count: nine digits is far beyond any
// message limit, and cannot overflow an int.
const maxCountDigits = 9

// NewFramer returns a Framer of r that cuts messages at max bytes.
func NewFramer(r io.Reader, max int) *Framer {
	return &Framer{r: bufio.NewReaderSize(r, 64<<10), max: max}
}

// Next returns the next message, without its octet count or newline, and
// whether it was cut at the limit. The bytes are valid until the next call.
// Empty lines between frames are skipped. At the end of the stream it
// returns io.EOF, after a last newline-framed message without its newline;
// a stream that ends inside an octet-counted frame returns
// io.ErrUnexpectedEOF, without the partial message.
func (f *Framer) Next() (msg []byte, cut bool, err error) {
	if f.err != nil {
		return nil, false, f.err
	}
	f.buf = f.buf[:0]
	c, err := f.skipBlank()
	if err != nil {
		return nil, false, f.fail(err)
	}
	if c >= '1' && c <= '9' {
		n, digits := 0, 0
		for isDigit(c) && digits < maxCountDigits {
			n = n*10 + int(c-'0')
			digits++
			f.buf = append(f.buf, c)
			if c, err = f.r.ReadByte(); err != nil {
				_ = f.fail(err) // a last line of digits, then the end
				return f.cut()
			}
		}
		if c == ' ' {
			return f.octets(n)
		}
	}
	// Not a count: c and the digits before it begin a newline frame.
	if c == '\n' {
		return f.cut()
	}
	f.buf = append(f.buf, c)
	return f.line()
}

// skipBlank reads past line endings and NULs between frames and returns the
// first byte of the next frame.
func (f *Framer) skipBlank() (byte, error) {
	for {
		c, err := f.r.ReadByte()
		if err != nil || (c != '\n' && c != '\r' && c != 0) {
			return c, err
		}
	}
}

// octets reads a frame of n bytes, keeping the first max.
func (f *Framer) octets(n int) ([]byte, bool, error) {
	keep := min(n, f.max)
	f.buf = slices.Grow(f.buf[:0], keep)[:keep]
	if _, err := io.ReadFull(f.r, f.buf); err != nil {
		return nil, false, f.fail(unexpected(err))
	}
	if n > keep {
		if _, err := f.r.Discard(n - keep); err != nil {
			return nil, false, f.fail(unexpected(err))
		}
	}
	return f.buf, n > keep, nil
}

// cut returns the frame read so far, cut at max.
func (f *Framer) cut() ([]byte, bool, error) {
	if len(f.buf) > f.max {
		return f.buf[:f.max], true, nil
	}
	return f.buf, false, nil
}

// line reads the rest of a newline frame, keeping the first max bytes.
func (f *Framer) line() ([]byte, bool, error) {
	cut := len(f.buf) > f.max
	if cut {
		f.buf = f.buf[:f.max]
	}
	for {
		chunk, err := f.r.ReadSlice('\n')
		end := len(chunk)
		if err == nil {
			end-- // the newline
		}
		if room := f.max - len(f.buf); end > room {
			end, cut = room, true
		}
		f.buf = append(f.buf, chunk[:end]...)
		switch {
		case err == nil:
			return f.buf, cut, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF:
			f.err = io.EOF
			return f.buf, cut, nil
		default:
			return nil, false, f.fail(err)
		}
	}
}

// fail makes err the Framer's answer from now on.
func (f *Framer) fail(err error) error {
	if err != io.EOF && !errors.Is(err, io.ErrUnexpectedEOF) {
		err = fmt.Errorf("read: %w", err)
	}
	f.err = err
	return err
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
