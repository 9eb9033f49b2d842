package mapping

import (
	"slices"
	"testing"
)

func TestSpecFieldNames(t *testing.T) {
	spec := Spec{
		Rule:       "r",
		End:        &TimeSpec{Field: "ts", Epoch: "s"},
		Duration:   &DurationSpec{Field: "duration", Unit: "s"},
		Name:       "{request.method|HTTP} {request.host}",
		Attributes: []AttributeSpec{{Name: "http.response.status_code", Field: "status", Type: "int"}, {Name: "c", Value: "x"}, {Name: "m", Field: "request.method"}},
		Events:     []EventSpec{{Name: "e", Duration: "phase"}},
		Status:     []StatusSpec{{Field: "status", Min: 500, Max: 599, ErrorType: "{status}", Message: "{msg}"}},
		TraceContext: TraceContextSpec{
			Fields:     []string{`request.headers.Traceparent[0]`},
			TraceState: `request.headers.Tracestate[0]`,
		},
	}
	want := []string{"ts", "duration", "request.method", "request.host", "status", "phase", "msg",
		`request.headers.Traceparent[0]`, `request.headers.Tracestate[0]`}
	if got := spec.FieldNames(); !slices.Equal(got, want) {
		t.Errorf("FieldNames() =\n  %q\nwant\n  %q", got, want)
	}
	// Whatever FieldNames lists, New resolves: a parser reading exactly
	// these fields compiles.
	if _, err := New(spec, spec.FieldNames()); err != nil {
		t.Errorf("New with FieldNames: %v", err)
	}
}
