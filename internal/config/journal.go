package config

import (
	"fmt"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/logspan/logspan/internal/journal"
)

// JournalInput is an input's journal: section, the systemd journal read
// through journalctl instead of files.
type JournalInput struct {
	// Options are what the journal input reads (units, directory, files,
	// where it starts).
	journal.Options
	// Key names the input's cursor in the state directory; unique among
	// the file's journal inputs.
	Key string
}

// decodeJournalInput reads the journal: key of an input whose keys are k;
// nil when it has none. what names the input ("inputs[2]"). A journal
// input reads no files, so paths:, exclude: and the input's own start:
// (which says where a file starts) are refused beside it.
func decodeJournalInput(p *problems, k map[string]*yaml.Node, what string) *JournalInput {
	n := k["journal"]
	if n == nil {
		return nil
	}
	what += ".journal"
	for _, other := range []string{"paths", "exclude", "start"} {
		if v := k[other]; v != nil {
			hint := ""
			if other == "start" {
				hint = " (a journal input's start goes inside it: journal: {start: beginning})"
			}
			p.at(v, "%s: an input has either paths: or journal:, and a journal input takes no %s:%s", strings.TrimSuffix(what, ".journal"), other, hint)
		}
	}
	j := &JournalInput{}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		// journal: with nothing under it: every unit's entries.
		j.Key = journal.New(j.Options, "", nil).Key()
		return j
	}
	if n.Kind != yaml.MappingNode {
		p.at(n, "%s: expected a mapping such as {units: [haproxy.service]}, got %s", what, describe(n))
		return j
	}
	f := p.keys(n, what, "units", "directory", "files", "start")
	for i, u := range p.strList(f["units"], what+".units") {
		switch {
		case u == "":
			p.at(f["units"].Content[i], "%s.units[%d]: empty unit name", what, i)
		case strings.ContainsAny(u, "*?[/ "):
			p.at(f["units"].Content[i], "%s.units[%d]: %q is not a unit name (name units exactly, e.g. haproxy.service; patterns are not supported)", what, i, u)
		}
		j.Units = append(j.Units, u)
	}
	if v := f["units"]; v != nil && v.Kind == yaml.SequenceNode && len(v.Content) == 0 {
		p.at(v, "%s.units: the list is empty (leave units: out to read every unit's entries)", what)
	}
	if v := f["directory"]; v != nil {
		j.Directory = p.str(v, what+".directory")
		if !filepath.IsAbs(j.Directory) {
			p.at(v, "%s.directory: %q is not an absolute path (a daemon's working directory is /)", what, j.Directory)
		}
	}
	for i, file := range p.strList(f["files"], what+".files") {
		if !filepath.IsAbs(file) {
			p.at(f["files"].Content[i], "%s.files[%d]: %q is not an absolute path (a daemon's working directory is /)", what, i, file)
		}
		j.Files = append(j.Files, file)
	}
	if f["directory"] != nil && f["files"] != nil {
		p.at(f["files"], "%s: give directory: or files:, not both (journalctl reads one or the other)", what)
	}
	if v := f["start"]; v != nil {
		j.StartAtBeginning = p.startAtBeginning(v, what+".start", " (entries added from now on, the default)", " (every entry the journal holds)")
	}
	j.Key = journal.New(j.Options, "", nil).Key()
	return j
}

// checkJournalKeys refuses two journal inputs reading the same units of
// the same journal: they would share one cursor in the state directory,
// and every entry would become two spans.
func checkJournalKeys(p *problems, drafts []inputDraft) {
	seen := map[string]int{}
	for i, d := range drafts {
		if d.Journal == nil || d.Journal.Key == "" {
			continue // not a journal input, or a wrong one already reported
		}
		if prev, dup := seen[d.Journal.Key]; dup {
			p.at(d.node, "inputs[%d]: reads the same journal entries as inputs[%d] (%s); give each unit to one input",
				i, prev, strings.TrimPrefix(d.Journal.Key, "journal:"))
			continue
		}
		seen[d.Journal.Key] = i
	}
}

// String describes the journal input for messages.
func (j *JournalInput) String() string {
	return fmt.Sprintf("journal %s", strings.TrimPrefix(j.Key, "journal:"))
}
