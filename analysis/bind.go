package analysis

import (
	"regexp"
	"strings"
)

// dottedName returns a dotted_name's text with NFKC identifiers.
func (a *analyzer) dottedName(n int32) string {
	t := a.t
	if t.kind(n) != "dotted_name" {
		return a.ident(n)
	}
	var parts []string
	for _, c := range t.namedChildren(n) {
		parts = append(parts, a.ident(c))
	}
	return strings.Join(parts, ".")
}

// bindImport binds the names an import statement introduces.
func (a *analyzer) bindImport(n int32, sc *scope) {
	t := a.t
	switch t.kind(n) {
	case "import_statement":
		for c := t.nodes[n].first; c != none; c = t.nodes[c].next {
			if t.fieldOf(c) != "name" {
				continue
			}
			switch t.kind(c) {
			case "dotted_name":
				mod := canonical(a.dottedName(c))
				head := strings.SplitN(mod, ".", 2)[0]
				sc.vars[strings.SplitN(a.dottedName(c), ".", 2)[0]] = qualOf(head)
				a.checkImport(c, mod)
			case "aliased_import":
				mod := canonical(a.dottedName(t.child(c, "name")))
				sc.vars[a.ident(t.child(c, "alias"))] = qualOf(mod)
				a.checkImport(c, mod)
			}
		}
	case "import_from_statement":
		modNode := t.child(n, "module_name")
		mod := ""
		if t.kind(modNode) == "dotted_name" {
			mod = canonical(a.dottedName(modNode))
		}
		for c := t.nodes[n].first; c != none; c = t.nodes[c].next {
			if t.kind(c) == "wildcard_import" {
				// Every public name of mod: bind the ones rules know.
				a.checkImport(n, mod)
				for q := range wildcardNames(mod) {
					sc.vars[q] = qualOf(mod + "." + q)
				}
				continue
			}
			if t.fieldOf(c) != "name" {
				continue
			}
			var name, alias string
			switch t.kind(c) {
			case "dotted_name":
				name = a.dottedName(c)
				alias = name
			case "aliased_import":
				name = a.dottedName(t.child(c, "name"))
				alias = a.ident(t.child(c, "alias"))
			default:
				continue
			}
			if mod == "" {
				sc.vars[alias] = value{}
				continue
			}
			q := canonical(mod + "." + name)
			sc.vars[alias] = qualOf(q)
			a.checkImport(c, q)
		}
	}
}

// wildcardNames lists names a star import of mod binds that rules care
// about (the calls in callRules under mod).
func wildcardNames(mod string) map[string]bool {
	out := map[string]bool{}
	p := mod + "."
	for q := range callRules {
		if strings.HasPrefix(q, p) && !strings.Contains(q[len(p):], ".") {
			out[q[len(p):]] = true
		}
	}
	for _, pre := range prefixRules {
		if strings.HasPrefix(pre.prefix, p) {
			rest := pre.prefix[len(p):]
			if !strings.Contains(rest, ".") {
				for _, s := range pre.suffixes {
					out[rest+s] = true
				}
			}
		}
	}
	switch mod {
	case "os":
		out["environ"] = true
		out["dup2"] = true
	case "ctypes":
		for _, s := range []string{"CDLL", "cdll", "pythonapi", "memmove", "cast", "string_at", "windll", "c_char_p", "CFUNCTYPE"} {
			out[s] = true
		}
	}
	return out
}

// bindParams binds a function's parameters, shadowing outer names: to
// their default value (evaluated in outer) when they have one, else to
// unknown. `def f(run=os.system): run(x)` calls os.system.
func (a *analyzer) bindParams(params int32, sc, outer *scope) {
	t := a.t
	if params == none {
		return
	}
	for _, c := range t.namedChildren(params) {
		switch t.kind(c) {
		case "identifier":
			sc.vars[a.ident(c)] = value{}
		case "default_parameter", "typed_default_parameter":
			if nm := t.child(c, "name"); nm != none {
				sc.vars[a.ident(nm)] = a.eval(t.child(c, "value"), outer, 1)
			}
		case "typed_parameter", "list_splat_pattern", "dictionary_splat_pattern":
			for _, g := range t.namedChildren(c) {
				if t.kind(g) == "identifier" {
					sc.vars[a.ident(g)] = value{}
					break
				}
			}
		}
	}
}

// bindTarget binds an assignment target to v; tuples bind element-wise when
// v is a known list, else to unknown.
func (a *analyzer) bindTarget(target int32, v value, sc *scope) {
	t := a.t
	type item struct {
		n int32
		v value
	}
	work := []item{{target, v}}
	for steps := 0; len(work) > 0 && steps < 4096; steps++ {
		it := work[len(work)-1]
		work = work[:len(work)-1]
		switch t.kind(it.n) {
		case "identifier":
			sc.vars[a.ident(it.n)] = it.v
		case "attribute":
			// self.x = v in a method, C.x = v: a class attribute.
			if obj := a.eval(t.child(it.n, "object"), sc, 1); obj.cls != nil {
				obj.cls.vars[a.ident(t.child(it.n, "attribute"))] = it.v
			}
		case "subscript":
			// d["shell"] = True on a tracked dict.
			base := a.eval(t.child(it.n, "value"), sc, 1)
			if key := a.eval(t.child(it.n, "subscript"), sc, 1); base.isDict && key.isStr && len(base.dict) < maxDictLen {
				base.dict[key.str] = it.v
			}
		case "pattern_list", "tuple_pattern", "list_pattern", "tuple", "list", "expression_list":
			kids := t.namedChildren(it.n)
			for k, c := range kids {
				// Unpacking an unknown value still passes on its taint
				// (for root, dirs, files in os.walk("/")).
				ev := it.v.taint()
				if it.v.isList && k < len(it.v.list) {
					ev = it.v.list[k]
				}
				work = append(work, item{c, ev})
			}
		case "as_pattern_target", "parenthesized_expression", "list_splat_pattern":
			for _, c := range t.namedChildren(it.n) {
				work = append(work, item{c, it.v})
			}
		}
	}
}

var secretName = regexp.MustCompile(`(?i)(pass(wd|word|phrase)?|pwd|secret|token|api_?key|apikey|access_?key|private_?key|auth_?key|credential|client_?secret)$`)

// assign handles `x = expr`, `x += expr`, tuple targets and the
// assignment-level rules (hard-coded secrets, check_hostname = False).
func (a *analyzer) assign(n int32, sc *scope) {
	t := a.t
	left := t.child(n, "left")
	right := t.child(n, "right")
	if right == none {
		return
	}
	// Chained assignment `a = b = expr`: right is itself an assignment.
	for t.kind(right) == "assignment" {
		right = t.child(right, "right")
	}
	v := a.eval(right, sc, 0)
	if t.kind(n) == "augmented_assignment" {
		old := a.eval(left, sc, 0)
		if old.isList && v.isList && len(old.list)+len(v.list) <= maxListLen {
			v = value{isList: true, list: append(append([]value(nil), old.list...), v.list...)}
		} else if old.isStr && v.isStr && len(old.str)+len(v.str) <= maxConstLen {
			v = value{isStr: true, str: old.str + v.str, decoded: old.decoded + v.decoded, obf: old.obf || v.obf}
		} else {
			v = old.taint().mergeTaint(v.taint())
			v.sql = old.sql || v.sql || old.isStr && sqlRe.MatchString(old.str)
		}
	}
	a.bindTarget(left, v, sc)
	a.checkAssignment(left, right, v, sc)
}
