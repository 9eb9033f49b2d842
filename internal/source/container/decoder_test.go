package container

import (
	"errors"
	"testing"
)

func TestDecoderFormats(t *testing.T) {
	const (
		cri    = "2026-12-01T10:00:00Z stdout F GET /"
		docker = `{"log":"GET /\n","stream":"stdout","time":"2026-12-01T10:00:00Z"}`
		badDoc = `{"log":"GET /\n","stream":"stdin"}`
		plain  = "Dec  1 10:00:00 lb1 haproxy[1]: GET /"
		iso    = "2026-12-01T10:00:00+00:00 lb1 haproxy[1]: GET /"
		object = `{"msg":"GET /"}`
	)
	tests := []struct {
		format Format
		line   string
		plain  bool
		err    error
	}{
		{Plain, cri, true, nil},
		{CRI, cri, false, nil},
		{CRI, plain, true, ErrCRITime},
		{CRI, docker, true, ErrCRITime},
		{Docker, docker, false, nil},
		{Docker, cri, true, ErrDockerJSON},
		{Docker, badDoc, true, ErrDockerStream},
		{Auto, cri, false, nil},
		{Auto, docker, false, nil},
		{Auto, plain, true, nil},
		{Auto, iso, true, nil},
		{Auto, object, true, nil},
		{Auto, badDoc, true, ErrDockerStream},
	}
	for _, tt := range tests {
		t.Run(tt.format.String()+" "+tt.line, func(t *testing.T) {
			r, plain, err := NewDecoder(tt.format).Decode([]byte(tt.line))
			if plain != tt.plain || !errors.Is(err, tt.err) {
				t.Fatalf("plain %v, err %v; want %v, %v", plain, err, tt.plain, tt.err)
			}
			if !plain && string(r.Log) != "GET /" {
				t.Errorf("log %q, want %q", r.Log, "GET /")
			}
		})
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range []Format{Plain, CRI, Docker, Auto} {
		got, err := ParseFormat(f.String())
		if err != nil || got != f {
			t.Errorf("ParseFormat(%q) = %v, %v", f.String(), got, err)
		}
	}
	if _, err := ParseFormat("CRI"); err == nil || err.Error() != `unknown format "CRI" (expected cri, docker, auto or plain)` {
		t.Errorf("ParseFormat(CRI) error = %v", err)
	}
}
