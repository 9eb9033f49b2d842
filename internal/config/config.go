package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/logspan/logspan/emit"
	"github.com/logspan/logspan/internal/redact"
	"github.com/logspan/logspan/internal/sampling"
	"github.com/logspan/logspan/mapping"
	"github.com/logspan/logspan/parsers"
)

// DefaultPaths are where the rules are looked for when --config is not given:
// the working directory first (a checkout, a container's workdir), then the
// system-wide place packages install to.
var DefaultPaths = []string{"rules.yaml", "/etc/logspan/rules.yaml"}

// Config is a compiled rules file: ready-to-use rules and exporter settings.
type Config struct {
	// File is the path the rules were read from.
	File string
	// Exporter holds the exporter settings from the file; the standard
	// OTEL_EXPORTER_OTLP_* variables fill what it leaves empty.
	Exporter emit.Config
	// Rules are tried in file order; the first whose pattern matches a line
	// handles it.
	Rules []*Rule
	// Inputs are the files `logspan run` follows (none when the file has no
	// inputs: the paths then come from the command line).
	Inputs []Input
	// Daemon holds the daemon: settings as written (zero values: defaults).
	Daemon Daemon
}

// Rule is one compiled rule.
type Rule struct {
	Name string
	// Service is the resource service.name of the rule's spans.
	Service string
	// Parser reads the rule's fields from a line.
	Parser *parsers.Parser
	// Mapper turns the fields into a span; nil when the rule makes no span
	// (emit: false), for lines that are recognised and counted only.
	Mapper *mapping.Mapper
	// Sampler decides which spans are exported (nil with Mapper nil).
	Sampler *sampling.Sampler
	// Redactor removes secrets from the spans; nil when the rule redacts
	// nothing (redact: {defaults: false}).
	Redactor *redact.Redactor
}

// Options are what Load takes from its surroundings, injectable for tests.
type Options struct {
	// Local is the zone "Local" (and an unset timezone) stands for;
	// nil means time.Local.
	Local *time.Location
	// Getenv reads the environment (OTEL_SERVICE_NAME,
	// OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG); nil means os.Getenv.
	Getenv func(string) string

	// defaults are the top-level sampling: and redact:, set by Parse.
	defaults *ruleDefaults
}

// Find returns the rules file to use: explicit when given, else the first of
// DefaultPaths that exists.
func Find(explicit string) (string, error) {
	if explicit != "" {
		return explicit, nil
	}
	for _, p := range DefaultPaths {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no rules file: looked for %s; give one with --config FILE", strings.Join(DefaultPaths, " and "))
}

// Load reads and compiles the rules file at path. Its error is a Problems
// listing every problem found, each with its line and column, or an error
// saying why the file could not be read.
func Load(path string, opts Options) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("rules file %s does not exist", path)
		}
		return nil, fmt.Errorf("cannot read rules file: %w", err)
	}
	return Parse(path, data, opts)
}

// Parse compiles rules from data, naming them file in messages.
func Parse(file string, data []byte, opts Options) (*Config, error) {
	if opts.Local == nil {
		opts.Local = time.Local
	}
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	p := &problems{file: file}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		// yaml.v3 says "yaml: line N: ..."; keep its words, give our form.
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		line := 0
		if _, err := fmt.Sscanf(msg, "line %d:", &line); err == nil {
			msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
		}
		return nil, Problems{{File: file, Line: line, Col: 1, Msg: "not valid YAML: " + msg}}
	}
	if len(doc.Content) == 0 {
		return nil, Problems{{File: file, Msg: "the file is empty (expected a mapping with a rules: list)"}}
	}
	cfg := &Config{File: file}
	top := p.keys(doc.Content[0], "the file", "exporter", "rules", "inputs", "daemon", "sampling", "redact")
	defaults, defaultsOK := decodeDefaults(p, top, opts)
	opts.defaults = &defaults
	cfg.Exporter = decodeExporter(p, top["exporter"])
	cfg.Daemon = decodeDaemon(p, top["daemon"])
	rulesNode, ok := top["rules"]
	if !ok {
		p.at(doc.Content[0], "no rules: list (expected at least one rule)")
	}
	seen := map[string]*yaml.Node{}
	ruleNodes := p.list(rulesNode, "rules")
	var drafts []*draft
	for i, rn := range ruleNodes {
		r := decodeRule(p, rn, i, opts)
		if r == nil {
			continue
		}
		if prev, dup := seen[r.name]; dup {
			p.at(r.nameNode, "rule name %q is used twice (first at line %d); rule names must be unique", r.name, prev.Line)
			continue
		}
		seen[r.name] = r.nameNode
		if !defaultsOK {
			continue // already reported; every rule would repeat it
		}
		drafts = append(drafts, r)
	}
	cfg.Rules = compileDrafts(p, drafts)
	if rulesNode != nil && len(rulesNode.Content) == 0 {
		p.at(rulesNode, "rules: the list is empty (expected at least one rule)")
	}
	names := map[string]bool{}
	for n := range seen {
		names[n] = true
	}
	inputs := decodeInputs(p, top["inputs"], names, opts)
	if len(p.found) > 0 {
		return nil, p.found
	}
	cfg.Inputs = compileInputs(inputs, cfg.Rules, ruleNodes, opts)
	return cfg, nil
}

func decodeExporter(p *problems, n *yaml.Node) emit.Config {
	var c emit.Config
	k := p.keys(n, "exporter", "protocol", "endpoint", "insecure", "tls", "headers", "compression", "timeout",
		"batch_size", "flush_interval", "max_in_flight", "retry")
	if v := k["protocol"]; v != nil {
		c.Protocol = p.str(v, "exporter.protocol")
		if c.Protocol != "" && !contains(emit.Protocols, c.Protocol) {
			p.at(v, "exporter.protocol: unknown protocol %q (expected one of: %s)", c.Protocol, strings.Join(emit.Protocols, ", "))
		}
	}
	if v := k["endpoint"]; v != nil {
		c.Endpoint = p.str(v, "exporter.endpoint")
	}
	if v := k["insecure"]; v != nil {
		c.Insecure = p.boolean(v, "exporter.insecure")
	}
	c.TLS = decodeTLS(p, k["tls"])
	c.Headers, _ = p.strMap(k["headers"], "exporter.headers")
	if v := k["compression"]; v != nil {
		c.Compression = p.str(v, "exporter.compression")
		if c.Compression != "gzip" && c.Compression != "none" {
			p.at(v, "exporter.compression: unknown compression %q (expected gzip or none)", c.Compression)
		}
	}
	c.Timeout = p.duration(k["timeout"], "exporter.timeout")
	c.BatchSize = int(p.integer(k["batch_size"], "exporter.batch_size", 1))
	c.FlushInterval = p.duration(k["flush_interval"], "exporter.flush_interval")
	c.MaxInFlight = int(p.integer(k["max_in_flight"], "exporter.max_in_flight", 1))
	r := p.keys(k["retry"], "exporter.retry", "initial", "max", "max_elapsed")
	c.Retry.Initial = p.duration(r["initial"], "exporter.retry.initial")
	c.Retry.Max = p.duration(r["max"], "exporter.retry.max")
	c.Retry.MaxElapsed = p.duration(r["max_elapsed"], "exporter.retry.max_elapsed")
	return c
}

// decodeTLS reads exporter.tls. A certificate file that does not exist is
// reported here, at its key, so that the operator sees the line to fix;
// the exporter reads the files (and reports what is wrong inside them)
// when it starts.
func decodeTLS(p *problems, n *yaml.Node) emit.TLSConfig {
	var c emit.TLSConfig
	k := p.keys(n, "exporter.tls", "ca_file", "cert_file", "key_file", "server_name", "insecure_skip_verify")
	file := func(key string) string {
		v := k[key]
		if v == nil {
			return ""
		}
		what := "exporter.tls." + key
		path := p.str(v, what)
		if path == "" {
			return ""
		}
		if _, err := os.Stat(path); err != nil {
			p.at(v, "%s: %v", what, err)
		}
		return path
	}
	c.CAFile, c.CertFile, c.KeyFile = file("ca_file"), file("cert_file"), file("key_file")
	if (c.CertFile == "") != (c.KeyFile == "") {
		p.at(n, "exporter.tls: cert_file and key_file go together (a client certificate and its key)")
	}
	if v := k["server_name"]; v != nil {
		c.ServerName = p.str(v, "exporter.tls.server_name")
	}
	if v := k["insecure_skip_verify"]; v != nil {
		c.InsecureSkipVerify = p.boolean(v, "exporter.tls.insecure_skip_verify")
	}
	return c
}
