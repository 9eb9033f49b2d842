package parsers

import (
	_ "embed"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/vjeantet/grok"
)

// haproxyPatterns is logspan's own pattern file: the HAProxy layouts, written
// for Go's regexp and with field names that say what each value is.
//
//go:embed patterns/haproxy.grok
var haproxyPatterns string

// Library returns the names of all patterns a rule can use without defining
// them: grok's bundled patterns and logspan's own, sorted. It is meant for
// `logspan check` and for documentation. If the library cannot be loaded (see
// New), it returns the names it could read.
func Library() []string {
	lib, _ := loadLibrary()
	if lib == nil {
		lib, _ = ownPatterns()
	}
	names := make([]string, 0, len(lib))
	for name := range lib {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// loadLibrary builds the pattern library once: grok's bundled patterns, then
// ours over them (a pattern of ours with the same name as a bundled one wins).
var loadLibrary = sync.OnceValues(func() (map[string]string, error) {
	lib, err := grokPatterns()
	if err != nil {
		return nil, err
	}
	own, err := ownPatterns()
	if err != nil {
		return nil, err
	}
	for name, def := range own {
		lib[name] = def
	}
	return lib, nil
})

// grokPatterns returns a copy of vjeantet/grok's bundled pattern definitions.
//
// grok keeps them in an unexported map and offers no accessor, and we do not
// want to copy their text into this repository (it would drift from the
// dependency and is not ours to restate). Every *grok.Grok made by grok.New
// holds them, raw and unexpanded, in its unexported field rawPattern, so we
// read that field with reflect, read-only. If a grok upgrade renames or
// retypes the field, this fails clearly rather than leaving the library
// silently empty; a test covers it.
func grokPatterns() (map[string]string, error) {
	g, err := grok.New()
	if err != nil {
		return nil, fmt.Errorf("loading grok's bundled patterns: %w", err)
	}
	v := reflect.ValueOf(g).Elem().FieldByName("rawPattern")
	if !v.IsValid() || v.Kind() != reflect.Map || v.Type().Key().Kind() != reflect.String || v.Type().Elem().Kind() != reflect.String {
		return nil, errors.New("cannot read grok's bundled patterns: github.com/vjeantet/grok no longer has a rawPattern map[string]string field (was grok upgraded? parsers/library.go reads it)")
	}
	out := make(map[string]string, v.Len())
	for it := v.MapRange(); it.Next(); {
		out[it.Key().String()] = it.Value().String()
	}
	if len(out) == 0 {
		return nil, errors.New("cannot read grok's bundled patterns: grok.New() holds none (was grok upgraded? parsers/library.go reads them)")
	}
	return out, nil
}

// ownPatterns parses logspan's embedded pattern file once.
var ownPatterns = sync.OnceValues(func() (map[string]string, error) {
	m, err := parsePatternFile(haproxyPatterns)
	if err != nil {
		return nil, fmt.Errorf("patterns/haproxy.grok: %w", err)
	}
	return m, nil
})

// parsePatternFile reads grok's pattern-file format: one "NAME expression"
// per line, the name ending at the first space, blank lines and lines starting
// with # ignored. A name defined twice is an error, not a silent override.
func parsePatternFile(text string) (map[string]string, error) {
	m := map[string]string{}
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		name, def, ok := strings.Cut(line, " ")
		if !ok || def == "" || !patternName.MatchString(name) {
			return nil, fmt.Errorf("line %d: want NAME, a space and an expression", n+1)
		}
		if _, dup := m[name]; dup {
			return nil, fmt.Errorf("line %d: pattern %s is defined twice", n+1, name)
		}
		m[name] = def
	}
	return m, nil
}
