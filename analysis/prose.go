package analysis

import "strings"

// A string literal that is only shown to a person or matched against other
// text is data, not a payload: `print("refusing rm -rf /")`,
// `add_argument("--force", help="unlike rm -rf /, ...")`,
// `if "curl x | sh" in line:`. Only APIs resolved to the standard library
// count (a local function named print or a custom class taking help= could
// run what it is given), so a payload cannot hide behind a display call.

// displayKeywords are keyword arguments of standard-library display APIs whose
// value is text for a person.
var displayKeywords = map[string]bool{
	"help": true, "description": true, "epilog": true, "usage": true, "prog": true,
	"metavar": true, "title": true, "msg": true, "message": true,
}

var logMethods = map[string]bool{
	"debug": true, "info": true, "warning": true, "warn": true, "error": true,
	"critical": true, "exception": true, "fatal": true, "log": true,
}

var reFuncs = map[string]bool{
	"compile": true, "search": true, "match": true, "fullmatch": true, "findall": true,
	"finditer": true, "sub": true, "subn": true, "split": true, "escape": true,
}

// shownOrMatched says whether the string literal n is used only as text
// shown to a person or as a pattern: a direct argument (possibly
// concatenated, parenthesised or formatted with % or +) of print, warnings.warn,
// logging, argparse, sys.stdout/stderr.write, a built-in exception or the re
// module, or an operand of a comparison (==, !=, in, not in), also as an
// element of a literal tuple, list or set compared against.
func (a *analyzer) shownOrMatched(n int32, sc *scope) bool {
	return a.shownOrMatchedAt(n, sc, true)
}

// shownOrMatchedAt is shownOrMatched; viaName also accepts a literal bound
// by a plain assignment to a name (DOCKER_SOCKET = "/var/run/docker.sock")
// whose every use in the same body is itself shown or matched.
func (a *analyzer) shownOrMatchedAt(n int32, sc *scope, viaName bool) bool {
	t := a.t
	cur := n
	p := t.nodes[cur].parent
	for p != none {
		k := t.kind(p)
		if k == "concatenated_string" || k == "parenthesized_expression" ||
			(k == "binary_operator" && (t.text(t.child(p, "operator")) == "%" || t.text(t.child(p, "operator")) == "+")) {
			cur, p = p, t.nodes[p].parent
			continue
		}
		break
	}
	if p == none {
		return false
	}
	switch t.kind(p) {
	case "comparison_operator":
		return true
	case "tuple", "list", "set":
		// x in ("0.0.0.0", "::"): a literal collection compared against.
		gp := t.nodes[p].parent
		return gp != none && t.kind(gp) == "comparison_operator"
	case "keyword_argument":
		if t.child(p, "value") != cur {
			return false
		}
		args := t.nodes[p].parent
		if args == none || t.kind(args) != "argument_list" {
			return false
		}
		q := a.calleeOf(t.nodes[args].parent, sc)
		if strings.HasPrefix(q, "argparse.") && displayKeywords[a.ident(t.child(p, "name"))] {
			return true
		}
		return displayCall(q)
	case "argument_list":
		return displayCall(a.calleeOf(t.nodes[p].parent, sc))
	case "assignment":
		left := t.child(p, "left")
		if !viaName || t.child(p, "right") != cur || left == none || t.kind(left) != "identifier" {
			return false
		}
		return a.namedOnlyShownOrMatched(a.ident(left), left, a.enclosingBody(p), sc)
	}
	return false
}

// usesIn lists the identifiers spelling name inside body, def excepted.
func (a *analyzer) usesIn(name string, def, body int32) []int32 {
	t := a.t
	lo, hi := t.nodes[body].start, t.nodes[body].end
	var ids []int32
	for i := range t.nodes {
		id := int32(i)
		if id == def || t.nodes[id].start < lo || t.nodes[id].end > hi ||
			t.kind(id) != "identifier" || a.ident(id) != name {
			continue
		}
		ids = append(ids, id)
	}
	return ids
}

// namedOnlyShownOrMatched says whether name, bound at def, is used at least
// once inside body and every use is shown or matched (no second binding).
func (a *analyzer) namedOnlyShownOrMatched(name string, def, body int32, sc *scope) bool {
	t := a.t
	uses := 0
	for _, id := range a.usesIn(name, def, body) {
		if p := t.nodes[id].parent; t.kind(p) == "attribute" && t.child(p, "attribute") == id {
			continue // obj.name: another object's attribute
		}
		if !a.shownOrMatchedAt(id, sc, false) {
			return false
		}
		uses++
	}
	return uses > 0
}

// calleeOf resolves the function a call node calls ("" when unknown).
func (a *analyzer) calleeOf(call int32, sc *scope) string {
	if call == none || a.t.kind(call) != "call" {
		return ""
	}
	return canonical(a.eval(a.t.child(call, "function"), sc, 0).qual)
}

// displayCall says whether q is a standard-library API that only shows
// text or matches patterns.
func displayCall(q string) bool {
	switch q {
	case "builtins.print", "warnings.warn", "sys.stdout.write", "sys.stderr.write",
		"builtins.SystemExit", "builtins.input":
		return true
	}
	if mod, fn, ok := strings.Cut(q, "."); ok {
		last := q[strings.LastIndexByte(q, '.')+1:]
		switch mod {
		case "re":
			return reFuncs[fn]
		case "logging":
			return logMethods[last]
		case "builtins":
			return !strings.Contains(fn, ".") &&
				(strings.HasSuffix(fn, "Error") || strings.HasSuffix(fn, "Exception") || strings.HasSuffix(fn, "Warning"))
		}
	}
	return false
}
