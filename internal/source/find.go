package source

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/logspan/logspan/internal/source/container"
)

// Input says which files to follow: the paths matching any of Paths (shell
// globs) and none of Exclude (globs tried on the full path and on the base
// name, so "*.gz" excludes compressed files anywhere).
type Input struct {
	Paths   []string
	Exclude []string
	// StartAtBeginning reads a file found at startup, that no checkpoint
	// knows, from its start instead of from its end. Files that appear
	// while logspan runs are always read from their start.
	StartAtBeginning bool
	// Format says how the files' lines are wrapped: plain (the zero
	// value), or a container runtime's records (cri, docker, auto).
	Format container.Format
}

// Matches says whether path is one of the input's files.
func (in *Input) Matches(path string) bool {
	hit := false
	for _, p := range in.Paths {
		if ok, _ := filepath.Match(p, path); ok {
			hit = true
			break
		}
	}
	if !hit {
		return false
	}
	return !in.excluded(path)
}

func (in *Input) excluded(path string) bool {
	base := filepath.Base(path)
	for _, x := range in.Exclude {
		if ok, _ := filepath.Match(x, path); ok {
			return true
		}
		if ok, _ := filepath.Match(x, base); ok {
			return true
		}
	}
	return false
}

// found is a path some input matches, and the first such input.
type found struct {
	path  string
	input int
}

// finder expands the inputs' globs into the paths to follow. A pattern that
// finds nothing is looked into once, to tell "not there yet" (normal for a
// log that appears later) from "cannot be read" (an operator's problem):
// filepath.Glob says neither.
type finder struct {
	// open opens a directory to see whether it can be read (os.Open; tests
	// inject permission errors, which root does not get).
	open   func(name string) (*os.File, error)
	report *reporter
}

// find returns the paths the inputs match, each once, in the inputs' and
// patterns' order.
func (fd *finder) find(inputs []Input) []found {
	var out []found
	seen := map[string]bool{}
	for i := range inputs {
		in := &inputs[i]
		for _, pattern := range in.Paths {
			matches, err := filepath.Glob(pattern)
			if err != nil {
				fd.report.once(pattern, "bad path pattern", err)
				continue
			}
			if len(matches) == 0 {
				fd.whyNothing(pattern)
			} else {
				fd.report.clear(pattern)
			}
			for _, path := range matches {
				if seen[path] || in.excluded(path) {
					continue
				}
				seen[path] = true
				out = append(out, found{path: path, input: i})
			}
		}
	}
	return out
}

// whyNothing reports why pattern matches no file when that is worth
// saying: its directory cannot be read, or it names one file that is not
// there (yet). A glob whose directory is readable and holds no match yet
// is normal and says nothing.
func (fd *finder) whyNothing(pattern string) {
	dir := filepath.Dir(pattern)
	for hasMeta(dir) {
		dir = filepath.Dir(dir)
	}
	d, err := fd.open(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		fd.report.once(pattern, "directory does not exist (yet): its files are picked up when it appears", nil)
	case err != nil:
		fd.report.once(pattern, "cannot read directory "+dir+" (logspan needs read and search access: run it in the log's group, e.g. adm, or fix the directory's mode)", err)
	case !hasMeta(pattern):
		d.Close()
		fd.report.once(pattern, "file does not exist (yet): it is picked up when it appears", nil)
	default:
		d.Close()
		fd.report.clear(pattern)
	}
}

func hasMeta(p string) bool {
	for _, c := range p {
		switch c {
		case '*', '?', '[', '\\':
			return true
		}
	}
	return false
}
