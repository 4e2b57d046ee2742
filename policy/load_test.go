package policy

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func mustParse(t *testing.T, name, text string) *Policy {
	t.Helper()
	p, err := Parse(name, []byte(text))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return p
}

func parseErrs(t *testing.T, text string) Errors {
	t.Helper()
	_, err := Parse("t.yaml", []byte(text))
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("want Errors, got %v", err)
	}
	return es
}

func TestErrorFormat(t *testing.T) {
	es := parseErrs(t, "\nlimits:\n    memory: 256MB!\n")
	if len(es) != 1 {
		t.Fatalf("got %v", es)
	}
	want := `t.yaml:3:13: limits.memory: bad size "256MB!" (want a number with a unit such as 256MiB`
	if !strings.HasPrefix(es[0].Error(), want) {
		t.Errorf("got  %s\nwant %s...", es[0], want)
	}
	var e *Error
	if !errors.As(error(es), &e) || e.Field != "limits.memory" || e.Line != 3 || e.Column != 13 {
		t.Errorf("errors.As gave %+v", e)
	}
}

func TestInputRefused(t *testing.T) {
	for name, data := range map[string][]byte{
		"nul":      []byte("limits:\n  memory: 1\x00\n"),
		"not utf8": []byte("limits:\n  memory: \xff\xfe\n"),
		"utf16":    {0xff, 0xfe, 'a', 0, ':', 0},
		"huge":     []byte("# " + strings.Repeat("x", MaxFileSize) + "\n"),
		"scalar":   []byte("just text\n"),
		"list":     []byte("- a\n- b\n"),
		"merge":    []byte("base: &b {memory: 1GiB}\nlimits:\n  <<: *b\n"),
	} {
		_, err := Parse("t.yaml", data)
		var es Errors
		if !errors.As(err, &es) || es[0].Line < 1 || es[0].Column < 1 {
			t.Errorf("%s: want positioned Errors, got %v", name, err)
		}
	}
}

func TestEmptyIsDefault(t *testing.T) {
	for _, text := range []string{"", "# comment only\n", "---\n", "limits:\n", "{}\n"} {
		p := mustParse(t, "t.yaml", text)
		d := Default()
		if p.Hash() != d.Hash() {
			t.Errorf("%q: effective policy differs from the default", text)
		}
	}
}

func TestLoadOrDefault(t *testing.T) {
	p, err := LoadOrDefault("")
	if err != nil || p.Hash() != Default().Hash() {
		t.Fatalf("LoadOrDefault(\"\") = %v", err)
	}
	_, err = LoadOrDefault(filepath.Join(t.TempDir(), "missing.yaml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := Load(t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("directory: %v", err)
	}
}

func TestDidYouMean(t *testing.T) {
	for text, want := range map[string]string{
		"limit:\n  memory: 1GiB\n":    `"limits"`,
		"limits:\n  memroy: 1GiB\n":   `"memory"`,
		"limits:\n  walltime: 1s\n":   `"wall_time"`,
		"network:\n  domain: [a]\n":   `"domains"`,
		"filesystem:\n  readonly: []": `"read_only"`,
	} {
		es := parseErrs(t, text)
		if !strings.Contains(es[0].Msg, "did you mean "+want) {
			t.Errorf("%q: %v", text, es[0])
		}
	}
}

func TestMerge(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "base.yaml"), []byte(`extends: builtin:strict
limits: {memory: 96MiB, processes: 8}
filesystem: {deny: [/etc/shadow, /root], read_only: [/usr/share]}
network: {ports: [443, 80]}
environment: {set: {A: "1", B: "2"}, pass: [TERM]}
`), 0o644)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	child := filepath.Join(dir, "sub", "child.yaml")
	os.WriteFile(child, []byte(`extends: ../base.yaml
limits: {processes: 4}
filesystem: {deny: [/root, /var], read_only: []}
network: {ports: [443]}
environment: {set: {B: "3"}}
`), 0o644)
	// extends resolves from the child's folder; ".." is fine there.
	p, err := Load(child)
	if err != nil {
		t.Fatal(err)
	}
	strict, _ := Profile("strict")
	checks := []struct {
		name string
		ok   bool
	}{
		{"scalar from parent", p.Limits.Memory == 96<<20},
		{"scalar overridden", p.Limits.Processes == 4},
		{"scalar from builtin", p.Limits.WallTime == strict.Limits.WallTime && p.Analysis.Block == SeverityMedium},
		{"deny accumulates without duplicates", slices.Equal(p.Filesystem.Deny, []string{"/etc/shadow", "/root", "/var"})},
		{"allow list replaced", len(p.Filesystem.ReadOnly) == 0},
		{"ports replaced", slices.Equal(p.Network.Ports, []int{443})},
		{"env set merged", p.Environment.Set["A"] == "1" && p.Environment.Set["B"] == "3"},
		{"env pass inherited", slices.Equal(p.Environment.Pass, []string{"TERM"})},
		{"extends cleared", p.Extends == ""},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %+v", c.name, p)
		}
	}
	// The parent's default is untouched by loading.
	if d := Default(); d.Limits.Memory != 256<<20 || len(d.Filesystem.Deny) != 0 {
		t.Error("Default changed")
	}
}

func TestExtendsErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		f := filepath.Join(dir, name)
		os.WriteFile(f, []byte(text), 0o644)
		return f
	}
	// A chain deeper than the bound.
	for i := range maxExtendsDepth + 2 {
		write("d"+itoa(i)+".yaml", "extends: d"+itoa(i+1)+".yaml\n")
	}
	write("d"+itoa(maxExtendsDepth+2)+".yaml", "")
	_, err := Load(filepath.Join(dir, "d0.yaml"))
	if err == nil || !strings.Contains(err.Error(), "chain deeper") {
		t.Errorf("deep chain: %v", err)
	}
	// Self-cycle.
	_, err = Load(write("self.yaml", "extends: self.yaml\n"))
	if err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Errorf("self cycle: %v", err)
	}
	// Missing parent; an error in the parent names the parent file.
	_, err = Load(write("m.yaml", "extends: nope.yaml\n"))
	if err == nil || !strings.Contains(err.Error(), "m.yaml:1:10: extends: cannot read") {
		t.Errorf("missing parent: %v", err)
	}
	write("badparent.yaml", "limits:\n  memory: lots\n")
	_, err = Load(write("c.yaml", "extends: badparent.yaml\n"))
	if err == nil || !strings.Contains(err.Error(), "badparent.yaml:2:11: limits.memory") {
		t.Errorf("bad parent: %v", err)
	}
	// A child may fix what would be invalid in its parent alone.
	write("hostparent.yaml", "network: {mode: host}\n")
	if _, err := Load(write("fix.yaml", "extends: hostparent.yaml\nnetwork: {mode: none}\n")); err != nil {
		t.Errorf("fixed by child: %v", err)
	}
	_, err = Parse("x.yaml", []byte("extends: builtin:nope\n"))
	if err == nil || !strings.Contains(err.Error(), "builtin:default") {
		t.Errorf("unknown builtin: %v", err)
	}
}

func TestProfilesValid(t *testing.T) {
	for _, name := range ProfileNames() {
		p, err := Parse("t.yaml", []byte("extends: "+name+"\n"))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if p.Limits.WallTime <= 0 || p.Runtime.Interpreter == "" {
			t.Errorf("%s: fields unset: %+v", name, p)
		}
	}
	if err := Default().Validate(); err != nil {
		t.Errorf("default: %v", err)
	}
}

func TestValidateCodeBuilt(t *testing.T) {
	p := Default()
	p.Limits.CPUTime = Duration(time.Minute)
	p.Network.Domains = []string{"Example.com"}
	p.Network.Mode = "bogus"
	p.Filesystem.ReadOnly = []string{"relative"}
	err := p.Validate()
	var es Errors
	if !errors.As(err, &es) || len(es) != 4 {
		t.Fatalf("got %v", err)
	}
	for _, e := range es {
		if e.Line != 0 || e.Field == "" {
			t.Errorf("code-built error has a position: %+v", e)
		}
	}
}

func TestWarnings(t *testing.T) {
	for text, want := range map[string]string{
		"network: {mode: allowlist}\n":                          "allows no destination",
		"network: {mode: allowlist, domains: [a.example]}\n":    "network.ports is empty",
		"network: {domains: [a.example]}\n":                     "ignored in mode none",
		"network: {unsafe_host: true}\n":                        "no effect",
		"network: {mode: allowlist, cidrs: [0.0.0.0/0]}\n":      "public addresses only",
		"network: {mode: allowlist, cidrs: [\"::/0\"]}\n":       "public addresses only",
		"limits: {memory: 64MiB, tmp: 128MiB}\n":                "count against the memory",
		"analysis: {block: off}\n":                              "never blocks",
		"audit: {enabled: false}\n":                             "not recorded",
		"environment: {pass: [PYTHONPATH]}\n":                   "ignored",
		"filesystem: {read_only: [/usr, /usr]}\n":               "listed twice",
		"filesystem: {read_only: [/usr/share], deny: [/usr]}\n": "deny wins",
	} {
		p := mustParse(t, "t.yaml", text)
		ws := p.Warnings()
		found := false
		for _, w := range ws {
			found = found || strings.Contains(w.Msg, want)
			if w.Line < 1 {
				t.Errorf("%q: warning without a line: %v", text, w)
			}
		}
		if !found {
			t.Errorf("%q: want warning %q, got %v", text, want, ws)
		}
	}
	if ws := Default().Warnings(); len(ws) != 0 {
		t.Errorf("default has warnings: %v", ws)
	}
}
