package config

import (
	"fmt"
	"path/filepath"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/logspan/logspan/internal/source"
	"github.com/logspan/logspan/internal/source/container"
)

// Input is one compiled entry of inputs: the files `logspan run` follows and
// the rules their lines are tried against.
type Input struct {
	source.Input
	// Rules are the rules tried on the input's lines, in file order: those
	// the input names, or every rule. They are compiled in the input's time
	// zone.
	Rules []*Rule
	// Timezone names the zone that "Local" means for this input's times
	// ("" for the machine's own).
	Timezone string
	// Journal, when not nil, makes this a journal input: it reads the
	// systemd journal instead of Paths (journal.go).
	Journal *JournalInput
	// Syslog, when set, makes the input a syslog receiver: it has no
	// paths (syslog.go).
	Syslog *SyslogInput
}

// decodeInputs reads the inputs: list; ruleNames are the rules the file
// defines, which an input's rules: may name.
func decodeInputs(p *problems, n *yaml.Node, ruleNames map[string]bool, opts Options) []inputDraft {
	var out []inputDraft
	for i, in := range p.list(n, "inputs") {
		what := fmt.Sprintf("inputs[%d]", i)
		k := p.keys(in, what, "paths", "exclude", "rules", "timezone", "start", "format", "journal", "syslog")
		d := inputDraft{node: in}
		d.Journal = decodeJournalInput(p, k, what)
		d.Syslog = decodeSyslog(p, k, what)
		if k["paths"] == nil && d.Journal == nil && d.Syslog == nil {
			p.at(in, "%s has no paths: (expected a list of files or globs, e.g. [/var/log/haproxy.log*]), nor journal: or syslog:", what)
		}
		d.Paths = p.strList(k["paths"], what+".paths")
		for j, pat := range d.Paths {
			if _, err := filepath.Match(pat, ""); err != nil {
				p.at(k["paths"].Content[j], "%s.paths[%d]: bad glob %q: %v", what, j, pat, err)
			} else if !filepath.IsAbs(pat) {
				p.at(k["paths"].Content[j], "%s.paths[%d]: %q is not an absolute path (a daemon's working directory is /)", what, j, pat)
			}
		}
		d.Exclude = p.strList(k["exclude"], what+".exclude")
		for j, pat := range d.Exclude {
			if _, err := filepath.Match(pat, ""); err != nil {
				p.at(k["exclude"].Content[j], "%s.exclude[%d]: bad glob %q: %v", what, j, pat, err)
			}
		}
		for j, name := range p.strList(k["rules"], what+".rules") {
			if !ruleNames[name] {
				p.at(k["rules"].Content[j], "%s.rules[%d]: no rule is named %q", what, j, name)
			}
			d.ruleNames = append(d.ruleNames, name)
		}
		if v := k["timezone"]; v != nil {
			d.Timezone = p.str(v, what+".timezone")
			d.loc = loadZone(p, v, what+".timezone", opts.Local)
		}
		if v := k["start"]; v != nil {
			d.StartAtBeginning = p.startAtBeginning(v, what+".start", "", "")
		}
		if v := k["format"]; v != nil && p.scalar(v, what+".format", "text") {
			f, err := container.ParseFormat(v.Value)
			if err != nil {
				p.at(v, "%s.format: %v", what, err)
			}
			d.Format = f
		}
		out = append(out, d)
	}
	checkJournalKeys(p, out)
	if n != nil && n.Kind == yaml.SequenceNode && len(n.Content) == 0 {
		p.at(n, "inputs: the list is empty (leave inputs: out to give paths on the command line)")
	}
	return out
}

// inputDraft is an input before its rules are compiled.
type inputDraft struct {
	Input
	node      *yaml.Node
	ruleNames []string
	loc       *time.Location
}

// compileInputs gives each input its rules: the file's compiled rules when
// the input keeps the default zone, or the rules compiled again in the
// input's zone (once per zone).
func compileInputs(drafts []inputDraft, rules []*Rule, ruleNodes []*yaml.Node, opts Options) []Input {
	byZone := map[*time.Location][]*Rule{}
	var out []Input
	for _, d := range drafts {
		set := rules
		if d.loc != nil && d.loc != opts.Local {
			if _, ok := byZone[d.loc]; !ok {
				zoned := opts
				zoned.Local = d.loc
				byZone[d.loc] = compileAll(ruleNodes, zoned)
			}
			set = byZone[d.loc]
		}
		in := d.Input
		in.Rules = pick(set, d.ruleNames)
		out = append(out, in)
	}
	return out
}

// pick returns the rules named, in the file's order; all of them when names
// is empty.
func pick(rules []*Rule, names []string) []*Rule {
	if len(names) == 0 {
		return rules
	}
	var out []*Rule
	for _, r := range rules {
		for _, n := range names {
			if r.Name == n {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// compileAll compiles rule nodes already known to be valid, with opts.
func compileAll(nodes []*yaml.Node, opts Options) []*Rule {
	p := &problems{}
	var drafts []*draft
	for i, rn := range nodes {
		if d := decodeRule(p, rn, i, opts); d != nil {
			drafts = append(drafts, d)
		}
	}
	return compileDrafts(p, drafts)
}
