package parsers

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A key path names one value inside a JSON object, the way operators write
// it in a rule:
//
//	request.method                   key "method" of the object at key "request"
//	request.headers.Traceparent[0]   first element of that array
//	resp_headers.X-Request-Id[0]     dashes and other bytes are fine in a key
//	request["key.with.dots"]         a quoted key: any key, written as a JSON string
//	["@timestamp"]                   a quoted key first
//
// A key written plainly runs up to the next '.' or '['; it cannot be empty and
// cannot hold '.', '[', ']', '"' or control characters; anything else (dashes,
// '@', non-ASCII letters) is taken as it is. A quoted key is a JSON string
// between [ and ], with JSON's escapes. An index is decimal digits between [
// and ]. A path starts with a key, since a line is an object.

// maxJSONIndex bounds the array index a path may name, so that a typo such as
// [99999999999] is an error at start rather than a path that never matches.
const maxJSONIndex = 1 << 20

// jsonStep is one step of a key path: a key of an object, or, when index is
// not -1, an element of an array.
type jsonStep struct {
	key   string
	index int
}

// PathError is a key path that cannot be read. It says where, so that an
// operator sees which character of which field to fix.
type PathError struct {
	// Path is the path as written.
	Path string
	// Offset is the 0-based byte offset in Path where the problem is
	// (len(Path) when the path ends too soon).
	Offset int
	// Msg says what is wrong.
	Msg string
}

// Error returns e.g. `json path "a[x]": at byte 2: expected an index or a
// quoted key after '['`.
func (e *PathError) Error() string {
	return fmt.Sprintf("json path %q: at byte %d: %s", e.Path, e.Offset, e.Msg)
}

// parseJSONPath reads a key path into its steps (see above).
func parseJSONPath(path string) ([]jsonStep, error) {
	fail := func(at int, msg string) ([]jsonStep, error) {
		return nil, &PathError{Path: path, Offset: at, Msg: msg}
	}
	if path == "" {
		return fail(0, "the path is empty")
	}
	if !utf8.ValidString(path) {
		k := 0
		for k < len(path) {
			r, size := utf8.DecodeRuneInString(path[k:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			k += size
		}
		return fail(k, "the path is not valid UTF-8")
	}
	var steps []jsonStep
	i := 0
	for i < len(path) {
		c := path[i]
		switch {
		case c == '[':
			step, end, msg := readBracket(path, i)
			if msg != "" {
				return fail(end, msg)
			}
			if len(steps) == 0 && step.index >= 0 {
				return fail(i+1, "a path starts with a key: a line is a JSON object, not an array")
			}
			steps = append(steps, step)
			i = end
			continue
		case c == '.' && len(steps) > 0:
			i++
		case len(steps) > 0:
			// After a step, only '.' or '[' may follow: a plain key
			// stops only at those, at ']' or '"', or at a control
			// character.
			return fail(i, badKeyByte(c))
		}
		start := i
		for i < len(path) && plainKeyByte(path[i]) {
			i++
		}
		if i == start {
			if i == len(path) {
				return fail(i, "the path ends with '.': a key must follow")
			}
			if path[i] == '.' || path[i] == '[' {
				return fail(i, "empty key: write an empty key as [\"\"]")
			}
			return fail(i, badKeyByte(path[i]))
		}
		steps = append(steps, jsonStep{key: path[start:i], index: -1})
	}
	return steps, nil
}

// plainKeyByte reports whether c may appear in a key written without quotes.
func plainKeyByte(c byte) bool {
	return c >= 0x20 && c != '.' && c != '[' && c != ']' && c != '"' && c != 0x7f
}

// badKeyByte says why c cannot stand where it is in a path.
func badKeyByte(c byte) string {
	switch {
	case c == ']':
		return "']' without '['"
	case c == '"':
		return `'"' in a key: write a key with quotes as ["..."]`
	case c < 0x20 || c == 0x7f:
		return "control character in the path"
	}
	return "expected '.' or '[' after a key or index"
}

// readBracket reads the [index] or ["key"] that starts at path[i]. It returns
// the step and the offset just past ']', or an error message and the offset
// of the problem.
func readBracket(path string, i int) (jsonStep, int, string) {
	i++
	if i == len(path) {
		return jsonStep{}, i, "the path ends after '['"
	}
	b := []byte(path)
	var step jsonStep
	switch c := path[i]; {
	case c == '"':
		end, _ := scanJSONString(b, i+1)
		if end < 0 {
			off, msg := explainString(b, i+1)
			if off >= len(path) {
				return jsonStep{}, len(path), `the quoted key has no closing '"'`
			}
			return jsonStep{}, off, msg
		}
		step = jsonStep{key: string(appendUnquoted(nil, b[i+1:end-1])), index: -1}
		i = end
	case '0' <= c && c <= '9':
		start := i
		for i < len(path) && '0' <= path[i] && path[i] <= '9' {
			i++
		}
		n, err := strconv.Atoi(path[start:i])
		if err != nil || n > maxJSONIndex {
			return jsonStep{}, start, "the index is larger than " + strconv.Itoa(maxJSONIndex)
		}
		step = jsonStep{key: "", index: n}
	default:
		return jsonStep{}, i, `expected an index or a quoted key after '[', as in [0] or ["a.b"]`
	}
	if i == len(path) || path[i] != ']' {
		return jsonStep{}, i, "expected ']'"
	}
	return step, i + 1, ""
}

// canonicalPath is one spelling of a path's steps, the same for every way of
// writing it (a.b and a["b"]), so that New can tell two names of one value.
func canonicalPath(steps []jsonStep) string {
	var b strings.Builder
	for _, s := range steps {
		if s.index >= 0 {
			fmt.Fprintf(&b, "[%d]", s.index)
		} else {
			fmt.Fprintf(&b, "[%q]", s.key)
		}
	}
	return b.String()
}

// jsonNode is one node of the tree of paths a JSON rule reads: the root is
// the line's object, and each path leads from it to the node of its value.
// The scanner walks the line and the tree together, so that one pass finds
// every path, and values that no path leads into are checked but not
// looked at further.
type jsonNode struct {
	// slot is where this node's value is recorded, -1 when no path ends
	// here.
	slot int
	// keys are the members of interest when the value is an object.
	keys []jsonKey
	// table finds a key among keys in a probe or two: an open-addressing
	// hash table (its size a power of two, at least twice len(keys))
	// holding index+1 into keys, 0 for an empty place, hashed by keyHash.
	// Most keys of a line are of no interest, and most of those land on an
	// empty place without a single comparison.
	table []int32
	// elems are the elements of interest when the value is an array, by
	// increasing index.
	elems []jsonElem
	// under lists every slot at or below this node when it has children,
	// nil for a leaf. A JSON object may repeat a key; like encoding/json,
	// the last one wins, so meeting the key again clears whatever the
	// earlier value had set below it. (A leaf's slot is simply written
	// again, or cleared for null.)
	under []int
}

type jsonKey struct {
	key  string
	node *jsonNode
}

type jsonElem struct {
	index int
	node  *jsonNode
}

// add returns the node of steps below n, making the nodes it lacks.
func (n *jsonNode) add(steps []jsonStep) *jsonNode {
	for _, s := range steps {
		var next *jsonNode
		if s.index >= 0 {
			k := 0
			for k < len(n.elems) && n.elems[k].index < s.index {
				k++
			}
			if k < len(n.elems) && n.elems[k].index == s.index {
				next = n.elems[k].node
			} else {
				next = &jsonNode{slot: -1}
				n.elems = append(n.elems, jsonElem{})
				copy(n.elems[k+1:], n.elems[k:])
				n.elems[k] = jsonElem{index: s.index, node: next}
			}
		} else {
			for _, c := range n.keys {
				if c.key == s.key {
					next = c.node
					break
				}
			}
			if next == nil {
				next = &jsonNode{slot: -1}
				n.keys = append(n.keys, jsonKey{key: s.key, node: next})
			}
		}
		n = next
	}
	return n
}

// finish sets under and table on n and every node below it, once the tree
// is complete, and returns every slot at or below n.
func (n *jsonNode) finish() []int {
	var all []int
	if n.slot >= 0 {
		all = append(all, n.slot)
	}
	for _, c := range n.keys {
		all = append(all, c.node.finish()...)
	}
	for _, c := range n.elems {
		all = append(all, c.node.finish()...)
	}
	n.under = nil
	if len(n.keys)+len(n.elems) > 0 {
		n.under = all
	}
	n.table = nil
	if len(n.keys) > 0 {
		size := 4
		for size < 2*len(n.keys) {
			size *= 2
		}
		n.table = make([]int32, size)
		for k, c := range n.keys {
			h := keyHash(c.key) & uint32(size-1)
			for n.table[h] != 0 {
				h = (h + 1) & uint32(size-1)
			}
			n.table[h] = int32(k + 1)
		}
	}
	return all
}

// child returns the member of interest called key (decoded), or nil. n must
// have keys.
func (n *jsonNode) child(key []byte) *jsonNode {
	mask := uint32(len(n.table) - 1)
	for h := keyHash(key) & mask; ; h = (h + 1) & mask {
		k := n.table[h]
		if k == 0 {
			return nil
		}
		if c := &n.keys[k-1]; c.key == string(key) {
			return c.node
		}
	}
}

// keyHash mixes a key's length and its first and last bytes, which tell
// most keys of a log line apart, for the cost of three loads.
func keyHash[K string | []byte](key K) uint32 {
	h := uint32(len(key))
	if len(key) > 0 {
		h |= uint32(key[0])<<8 | uint32(key[len(key)-1])<<16
	}
	return (h * 0x9E3779B1) >> 15
}

// hasReplacementKey reports whether a key at or below n holds U+FFFD.
func (n *jsonNode) hasReplacementKey() bool {
	for _, c := range n.keys {
		if strings.ContainsRune(c.key, utf8.RuneError) || c.node.hasReplacementKey() {
			return true
		}
	}
	for _, c := range n.elems {
		if c.node.hasReplacementKey() {
			return true
		}
	}
	return false
}
