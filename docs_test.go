package cordon

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cordonsec/cordon/policy"
)

// The docs' tables of statuses and event types are checked against the
// code here (the rule count is checked in package analysis): a type added
// in code and not in the docs, or the other way round, fails.

// tableColumn returns the cells of column col of the first Markdown table
// after the heading line (the header row and separator skipped).
func tableColumn(t *testing.T, file, heading string, col int) []string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("%s: no heading %q", file, heading)
	}
	var cells []string
	inTable := false
	for _, line := range strings.Split(rest, "\n") {
		if !strings.HasPrefix(line, "|") {
			if inTable {
				break
			}
			continue
		}
		if !inTable { // the header row
			inTable = true
			continue
		}
		cols := strings.Split(strings.Trim(line, "|"), "|")
		if col >= len(cols) || strings.HasPrefix(strings.TrimSpace(cols[0]), "---") {
			continue
		}
		cells = append(cells, strings.TrimSpace(cols[col]))
	}
	if len(cells) == 0 {
		t.Fatalf("%s: no table after %q", file, heading)
	}
	return cells
}

var codeSpan = regexp.MustCompile("`([^`]+)`")

// names are the code spans of a cell ("`exit-nonzero`, `ok`").
func names(cell string) []string {
	var out []string
	for _, m := range codeSpan.FindAllStringSubmatch(cell, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestEventTypesDoc(t *testing.T) {
	var got []string
	for _, c := range tableColumn(t, "docs/results.md", "## Event types", 0) {
		got = append(got, names(c)...)
	}
	var want []string
	for _, e := range EventTypes {
		want = append(want, string(e))
	}
	if !slices.Equal(got, want) {
		t.Errorf("docs/results.md lists event types\n%q\nthe code (EventTypes) has\n%q", got, want)
	}
}

func statusNames() []string {
	var out []string
	for _, s := range Statuses {
		out = append(out, string(s))
	}
	slices.Sort(out)
	return out
}

// TestStatusTables: the README's table names every status once with the
// exit code Status.ExitCode gives it, and docs/sandbox.md gives every
// status its evidence.
func TestStatusTables(t *testing.T) {
	statuses := tableColumn(t, "README.md", "## Statuses and exit codes", 0)
	codes := tableColumn(t, "README.md", "## Statuses and exit codes", 2)
	var got []string
	for i, c := range statuses {
		n := names(c)
		if len(n) != 1 {
			t.Errorf("README.md: status cell %q names %d statuses", c, len(n))
			continue
		}
		s := Status(n[0])
		got = append(got, n[0])
		want := strconv.Itoa(s.ExitCode(0))
		if s == StatusExitNonzero {
			want = "its code (1–99), else 1"
		}
		if codes[i] != want {
			t.Errorf("README.md: %s exits %q, the code says %q", s, codes[i], want)
		}
	}
	slices.Sort(got)
	if want := statusNames(); !slices.Equal(got, want) {
		t.Errorf("README.md lists statuses %q, the code has %q", got, want)
	}

	got = nil
	for _, c := range tableColumn(t, "docs/sandbox.md", "## Statuses and their evidence", 0) {
		got = append(got, names(c)...)
	}
	slices.Sort(got)
	if want := statusNames(); !slices.Equal(got, want) {
		t.Errorf("docs/sandbox.md gives evidence for %q, the code has %q", got, want)
	}
}

// TestEventTypesListed: every EventType constant declared in event.go is
// in EventTypes (which the docs table follows).
func TestEventTypesListed(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "event.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var declared []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); ok && id.Name == "EventType" {
				for _, v := range vs.Values {
					if lit, ok := v.(*ast.BasicLit); ok {
						declared = append(declared, strings.Trim(lit.Value, `"`))
					}
				}
			}
		}
	}
	var listed []string
	for _, e := range EventTypes {
		listed = append(listed, string(e))
	}
	slices.Sort(declared)
	slices.Sort(listed)
	if len(declared) == 0 || !slices.Equal(declared, listed) {
		t.Errorf("event.go declares %q, EventTypes lists %q", declared, listed)
	}
}

// TestLayersDoc: docs/sandbox.md's table of layers names every layer of
// package layers once.
func TestLayersDoc(t *testing.T) {
	var got []string
	for _, c := range tableColumn(t, "docs/sandbox.md", "## Layers", 0) {
		got = append(got, names(c)...)
	}
	var want []string
	for _, l := range policy.Layers {
		want = append(want, string(l))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("docs/sandbox.md's layer table names %q, package layers has %q", got, want)
	}
}
