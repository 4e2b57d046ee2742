package analysis

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var updateDocs = flag.Bool("update", false, "rewrite docs/rules.md from the rule catalogue")

const rulesDoc = "../docs/rules.md"

// TestRulesDoc keeps docs/rules.md equal to the catalogue in rules.go;
// `go test ./analysis -run TestRulesDoc -update` rewrites it.
func TestRulesDoc(t *testing.T) {
	want := renderRulesDoc()
	if *updateDocs {
		if err := os.WriteFile(rulesDoc, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(rulesDoc)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is out of date with rules.go: run go test ./analysis -run TestRulesDoc -update", rulesDoc)
	}
}

// countDocs are the pages that state how many rules there are.
var countDocs = []string{"../README.md", "../docs/architecture.md", rulesDoc}

var ruleCountRe = regexp.MustCompile(`\b(\d+)\s+(analysis\s+)?rules\b`)

// TestRuleCountInDocs: every "N rules" in the README and docs/*.md is the
// length of the catalogue in rules.go, and the pages that count them
// (countDocs) do.
func TestRuleCountInDocs(t *testing.T) {
	pages, err := filepath.Glob("../docs/*.md")
	if err != nil || len(pages) == 0 {
		t.Fatalf("docs/*.md: %v", err)
	}
	for _, p := range append([]string{"../README.md"}, pages...) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		ms := ruleCountRe.FindAllSubmatch(b, -1)
		if len(ms) == 0 && slices.Contains(countDocs, p) {
			t.Errorf("%s does not say how many rules there are", p)
		}
		for _, m := range ms {
			if n, _ := strconv.Atoi(string(m[1])); n != len(rules) {
				t.Errorf("%s says %d rules; rules.go has %d", p, n, len(rules))
			}
		}
	}
}

// TestBanditTable: every rule the bandit table names exists, and every
// test the installed bandit lists is in the table.
func TestBanditTable(t *testing.T) {
	seen := map[string]bool{}
	for _, bt := range banditTests {
		if seen[bt.ID] {
			t.Errorf("%s twice", bt.ID)
		}
		seen[bt.ID] = true
		if len(bt.Rules) == 0 && bt.Note == "" {
			t.Errorf("%s: no rule and no reason", bt.ID)
		}
		for _, r := range bt.Rules {
			if _, ok := ruleByID[r]; !ok {
				t.Errorf("%s names unknown rule %s", bt.ID, r)
			}
		}
	}
	out, err := exec.Command("bandit", "--help").CombinedOutput()
	if err != nil {
		t.Skipf("bandit not installed (%v): only the table itself is checked", err)
	}
	ids := regexp.MustCompile(`(?m)^\s+(B\d{3})\s`).FindAllSubmatch(out, -1)
	if len(ids) == 0 {
		t.Fatalf("no test ids in bandit --help:\n%s", out)
	}
	for _, m := range ids {
		if !seen[string(m[1])] {
			t.Errorf("bandit test %s is not in the table", m[1])
		}
	}
}

func renderRulesDoc() []byte {
	var b bytes.Buffer
	b.WriteString(`# Analysis rules

` + "`cordon check`" + ` and ` + "`cordon run`" + ` analyse a Python script before it runs
(package ` + "`analysis`" + `). Every finding has a stable rule id, a severity (high,
medium, low: ` + "`cordon run`" + ` refuses a script with a finding at or above the
policy's ` + "`analysis.block`" + `, high by default), a confidence, a category, a
message, a position and the offending line. Where a name resolves, the
finding also names the real target (` + "`os.system`" + ` for ` + "`import os as o; o.system(...)`" + `).

This page is generated from ` + "`analysis/rules.go`" + ` by
` + "`go test ./analysis -run TestRulesDoc -update`" + `.

## How the analyzer reads a script

- **As Python reads it.** A UTF-8 BOM, else a PEP 263 coding cookie on line 1
  or 2, else UTF-8. An unknown codec, bytes the codec refuses, or a BOM that
  contradicts the cookie is CDN003 (high). Identifiers are NFKC-normalised,
  so ` + "`ｅｘｅｃ`" + ` is ` + "`exec`" + ` (and CDN004 says so).
- **Fails closed.** A file over the size bound (8 MiB), an analysis over the
  time bound (10 s), a syntax tree deeper than any real program (CPython
  itself stops at 200 nested brackets and 100 indentation levels), or a
  parse that lost the structure of much of the file is CDN001 (high). Other
  syntax errors are CDN002 (medium) and the partial tree is still analysed.
- **Resolves names.** Imports (` + "`import a.b as c`" + `, ` + "`from m import x as y`" + `,
  ` + "`from m import *`" + `), assignments, tuple and chained assignments, walrus,
  ` + "`with ... as`" + `, ` + "`getattr`" + ` with constant or constant-folded names,
  ` + "`__import__`" + ` and ` + "`importlib.import_module`" + ` with constant names,
  ` + "`sys.modules[...]`" + `, ` + "`m.__dict__[...]`" + `, ` + "`vars(m)[...]`" + `,
  ` + "`globals()[...]`" + ` and ` + "`__builtins__[...]`" + `. Constant strings are folded through
  ` + "`+`" + `, ` + "`%`" + `, ` + "`[::-1]`" + `, ` + "`chr()`" + `, ` + "`''.join(...)`" + `, ` + "`.replace`" + `, escapes and
  decoders (base64, base32, hex, rot13, zlib, gzip, bz2). Function bodies see
  every module-level binding; parameters and local bindings shadow them.
- **Tracks values within the module.** Dict, list and tuple literals keep
  their elements (` + "`d[\"k\"] = v`" + `, ` + "`d.update(...)`" + `, ` + "`**opts`" + ` splats and
  ` + "`dict(shell=True)`" + ` included); a function's parameters take their default
  values, a call of a function of the module returns what its body returns
  for the call's arguments, and a helper called with a telling argument
  (a dangerous function, a shell, a root path, ` + "`shell=True`" + ` in ` + "`**kwargs`" + `) has its
  body checked again with that argument (one level, within a budget);
  class attributes and ` + "`self.x`" + ` set in methods resolve through instances;
  ` + "`operator.attrgetter/itemgetter/methodcaller`" + ` and ` + "`functools.partial`" + ` resolve.
  Values also carry what they are whatever they are called: a frame object,
  a path computed under the root or the home directory, a process id from a
  listing, an archive member's name, SQL or text formatted from data, data
  encoded as text. Severity follows what the value is, not how it is
  spelled.
- **Looks inside payloads.** A constant string (or a decoded constant) passed
  to ` + "`exec`" + `/` + "`eval`" + `/` + "`compile`" + ` is analysed as code, three levels deep, and its
  findings are reported at the call.

## Rules

` + fmt.Sprintf("%d rules:", len(rules)) + `

| id | name | category | severity | confidence |
| --- | --- | --- | --- | --- |
`)
	for _, r := range rules {
		fmt.Fprintf(&b, "| [%s](#%s) | %s | %s | %s | %s |\n", r.ID, strings.ToLower(r.ID), r.Name, r.Category, r.Severity, r.Confidence)
	}
	b.WriteString("\nA finding may be raised or lowered from the rule's default severity where the\nmessage says why (for example a computed module name is high with `__import__`,\nmedium with `importlib.import_module`).\n")
	for _, r := range rules {
		fmt.Fprintf(&b, "\n### %s\n\n**%s** (%s, default severity %s, confidence %s)\n\n%s\n\n*Why it matters:* %s\n\n```python\n%s\n```\n",
			r.ID, r.Name, r.Category, r.Severity, r.Confidence, r.Summary, r.Why, r.Example)
	}
	b.WriteString(`
## Bandit's tests and the rules that cover them

Every test of [bandit](https://bandit.readthedocs.io/) (1.6 to 1.8), the
Cordon rules that cover it, or why none does.

| bandit | test | Cordon | note |
| --- | --- | --- | --- |
`)
	for _, bt := range banditTests {
		var ids []string
		for _, r := range bt.Rules {
			ids = append(ids, fmt.Sprintf("[%s](#%s)", r, strings.ToLower(r)))
		}
		cov := strings.Join(ids, ", ")
		if cov == "" {
			cov = "—"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", bt.ID, bt.Name, cov, bt.Note)
	}
	b.WriteString(`
## Waiving a rule

A policy can waive rule ids everywhere or for path globs (matched against the
path as given and its base name):

` + "```yaml" + `
analysis:
  block: high
  allow:
    - rule: CDN203          # subprocess without a shell, everywhere
    - rule: CDN603
      paths: ["tools/*.py"] # HTTP clients only in tools/
` + "```" + `

` + "`cordon check --policy FILE`" + ` applies the same waivers and takes its default
` + "`--fail-on`" + ` from ` + "`analysis.block`" + `.
`)
	return b.Bytes()
}
