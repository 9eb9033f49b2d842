package config

import (
	"slices"
	"strings"
	"testing"

	"github.com/logspan/logspan/internal/journal"
)

func TestJournalInput(t *testing.T) {
	cfg, err := parse(t, "rules:"+okRule+`inputs:
  - journal: {units: [haproxy, nginx.service], directory: /var/log/journal, start: beginning}
    rules: [kv]
  - journal:
      files: [/mnt/a.journal]
  - journal:
  - paths: [/var/log/app.log]
`)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Inputs) != 4 {
		t.Fatalf("%d inputs, want 4", len(cfg.Inputs))
	}
	j := cfg.Inputs[0].Journal
	want := journal.Options{Units: []string{"haproxy", "nginx.service"}, Directory: "/var/log/journal", StartAtBeginning: true}
	if j == nil || !slices.Equal(j.Units, want.Units) || j.Directory != want.Directory || !j.StartAtBeginning || len(cfg.Inputs[0].Paths) != 0 {
		t.Fatalf("inputs[0] = %+v, want a journal input %+v and no paths", cfg.Inputs[0], want)
	}
	if j.Key != "journal:haproxy.service,nginx.service@/var/log/journal" || len(cfg.Inputs[0].Rules) != 1 {
		t.Errorf("inputs[0]: key %q, %d rules", j.Key, len(cfg.Inputs[0].Rules))
	}
	if j := cfg.Inputs[1].Journal; j == nil || !slices.Equal(j.Files, []string{"/mnt/a.journal"}) || j.StartAtBeginning {
		t.Errorf("inputs[1].journal = %+v, want files [/mnt/a.journal] from the end", j)
	}
	if j := cfg.Inputs[2].Journal; j == nil || len(j.Units) != 0 || j.Key != "journal:" {
		t.Errorf("inputs[2].journal = %+v, want every unit of the system journal", j)
	}
	if cfg.Inputs[3].Journal != nil {
		t.Errorf("a file input has a journal: %+v", cfg.Inputs[3].Journal)
	}
}

func TestJournalInputProblems(t *testing.T) {
	_, err := parse(t, "rules:"+okRule+`inputs:
  - journal: {units: [haproxy, 'web-*', ''], directory: var/log/journal, start: middle, colour: red}
  - journal: {directory: /a, files: [b.journal]}
    paths: [/var/log/x.log]
    start: beginning
  - journal: {units: [haproxy.service]}
  - journal: {units: [haproxy]}
  - journal: {units: []}
  - journal: [haproxy]
`)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`7:89: unknown key "colour" in inputs[0].journal (expected one of: units, directory, files, start)`,
		`7:32: inputs[0].journal.units[1]: "web-*" is not a unit name`,
		`7:41: inputs[0].journal.units[2]: empty unit name`,
		`7:57: inputs[0].journal.directory: "var/log/journal" is not an absolute path`,
		`7:81: inputs[0].journal.start: expected end (entries added from now on, the default) or beginning`,
		`8:38: inputs[1].journal.files[0]: "b.journal" is not an absolute path`,
		`8:37: inputs[1].journal: give directory: or files:, not both`,
		`9:12: inputs[1]: an input has either paths: or journal:, and a journal input takes no paths:`,
		`10:12: inputs[1]: an input has either paths: or journal:, and a journal input takes no start: (a journal input's start goes inside it`,
		`12:5: inputs[3]: reads the same journal entries as inputs[2] (haproxy.service)`,
		`13:22: inputs[4].journal.units: the list is empty`,
		`14:14: inputs[5].journal: expected a mapping such as {units: [haproxy.service]}, got a list`,
	} {
		if !strings.Contains(err.Error(), "rules.yaml:"+want) {
			t.Errorf("missing problem:\n  %s\nin:\n%v", want, err)
		}
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != 12 {
		t.Errorf("%d problems, want the 12 above:\n%v", n, err)
	}
}
