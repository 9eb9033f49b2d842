package emit

import (
	"errors"
	"fmt"
	"testing"
)

// The exporter's own wording, as otlptracegrpc joins it into its error; the
// fallback must read it when the interceptor did not see the call.
func TestPartialSuccessFromErrorText(t *testing.T) {
	err := fmt.Errorf("traces export: %w", errors.Join(
		errors.New("OTLP partial success: bad span (2 spans rejected)")))
	n, msg, ok := partialSuccess(&callRecord{}, err)
	if !ok || n != 2 || msg != "bad span" {
		t.Fatalf("got %d %q %v", n, msg, ok)
	}
	if _, _, ok := partialSuccess(&callRecord{}, errors.New("rpc error: code = Unavailable")); ok {
		t.Fatal("an unrelated error read as partial success")
	}
}
