package harness

import (
	"fmt"
	"strings"
)

// StatementsHeader is the response header in which the backend lists the
// SQL statements it ran for the request, each as the id of its database
// CLIENT span, the protocol and the outcome (FormatStatements). The checker
// expects PostgreSQL's spans of each statement under that span.
const StatementsHeader = "e2e-statements"

// Protocols the backend sends a statement with. PostgreSQL logs one
// duration line for a simple query (step "statement") and one for each of
// parse, bind and execute of the extended protocol.
const (
	ProtocolSimple   = "simple"
	ProtocolExtended = "extended"
)

// Statement is one SQL statement the backend ran.
type Statement struct {
	// SpanID is the backend's database CLIENT span of the statement,
	// whose context the statement's sqlcommenter comment carries.
	SpanID string `json:"span_id"`
	// Protocol is ProtocolSimple or ProtocolExtended.
	Protocol string `json:"protocol"`
	// SQLState is PostgreSQL's error code when the statement failed;
	// empty when it succeeded.
	SQLState string `json:"sqlstate,omitempty"`
}

// FormatStatements writes statements for StatementsHeader: comma-separated
// SPANID/PROTOCOL, with /SQLSTATE after a failed one.
func FormatStatements(statements []Statement) string {
	parts := make([]string, len(statements))
	for i, s := range statements {
		parts[i] = s.SpanID + "/" + s.Protocol
		if s.SQLState != "" {
			parts[i] += "/" + s.SQLState
		}
	}
	return strings.Join(parts, ",")
}

// ParseStatements reads a StatementsHeader value; an empty one holds none.
func ParseStatements(v string) ([]Statement, error) {
	if v == "" {
		return nil, nil
	}
	var out []Statement
	for part := range strings.SplitSeq(v, ",") {
		f := strings.Split(part, "/")
		if len(f) < 2 || len(f) > 3 || len(f[0]) != 16 || (f[1] != ProtocolSimple && f[1] != ProtocolExtended) {
			return nil, fmt.Errorf("%s: bad statement %q", StatementsHeader, part)
		}
		s := Statement{SpanID: f[0], Protocol: f[1]}
		if len(f) == 3 {
			if len(f[2]) != 5 {
				return nil, fmt.Errorf("%s: bad SQLSTATE in %q", StatementsHeader, part)
			}
			s.SQLState = f[2]
		}
		out = append(out, s)
	}
	return out, nil
}
