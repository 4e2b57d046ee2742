package policy

import (
	"fmt"
	"sort"
	"strings"
)

// Error is one problem in a policy, with where it is. Line and Column are
// 1-based; 0 means the problem has no place in a file (a built-in value or
// a policy built in code).
type Error struct {
	File   string // the policy file ("" for built-ins and in-memory policies without a name)
	Line   int
	Column int
	Field  string // dotted field path: "limits.memory", "filesystem.read_only[2]"
	Msg    string // what is wrong and what would be valid
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d:%d", e.Line, max(e.Column, 1))
		}
		b.WriteString(": ")
	} else if e.Line > 0 {
		fmt.Fprintf(&b, "line %d:%d: ", e.Line, max(e.Column, 1))
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in one pass, in file order.
type Errors []*Error

func (es Errors) Error() string {
	switch len(es) {
	case 0:
		return "no errors"
	case 1:
		return es[0].Error()
	}
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return fmt.Sprintf("%d errors:\n%s", len(es), strings.Join(lines, "\n"))
}

// Unwrap gives each error, for errors.As and errors.Is.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// err returns es as an error, or nil when empty.
func (es Errors) err() error {
	if len(es) == 0 {
		return nil
	}
	es.sort()
	return es
}

// sort orders es by file, line and column, keeping the order of errors at
// the same place, and drops exact duplicates.
func (es Errors) sort() {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
}

// Warning is a policy that is valid but probably not what was meant.
type Warning = Error

// Pos is a place in a policy file.
type Pos struct {
	File         string
	Line, Column int
}

// errAt builds an Error at pos.
func errAt(pos Pos, field, format string, args ...any) *Error {
	return &Error{File: pos.File, Line: pos.Line, Column: pos.Column, Field: field, Msg: fmt.Sprintf(format, args...)}
}
