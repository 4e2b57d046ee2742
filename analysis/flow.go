package analysis

// Value tracking within a module beyond plain names: containers (dict,
// list and tuple literals, ** splats, d[k] = v, d.update), functions
// defined in the module (parameters, defaults, return values, and one
// level of re-checking a helper's body with the values a call passes),
// classes (class attributes, self.x set in methods, instances),
// operator.attrgetter/itemgetter/methodcaller and functools.partial.
// What a value is decides the severity, not how it is spelled or where
// it travelled.

import (
	"slices"
	"sort"
	"strings"
)

// fnDef is a function defined in the module.
type fnDef struct {
	n     int32  // the function_definition node
	sc    *scope // where it was defined (never a class scope)
	cls   *scope // its class, for a method
	bound bool   // reached through an instance: self is not an argument
}

// getter is an operator.attrgetter (kind 'a'), itemgetter ('i') or
// methodcaller ('m') of a constant name.
type getter struct {
	kind byte
	name string
}

const (
	maxDictLen = 256
	// maxScan bounds the nodes one return-value or class pre-scan visits.
	maxScan = 8192
	// inlineBudgetMin is the least number of nodes re-checking helper
	// bodies may visit in one file; bigger files get 2 per node.
	inlineBudgetMin = 50_000
)

// subtreeEnd returns the index just past n's subtree (nodes are numbered
// in pre-order).
func (t *tree) subtreeEnd(n int32) int32 {
	for i := n; i != none; i = t.nodes[i].parent {
		if nx := t.nodes[i].next; nx != none {
			return nx
		}
	}
	return int32(len(t.nodes))
}

func hasTaint(v value) bool {
	return v.decoded != "" || v.socket || v.env || v.frame || v.hostPath > 0 || v.pids || v.member || v.sql || v.built || v.encoded || v.walked || v.localCls
}

// informative says whether v is worth more than an unknown value.
func informative(v value) bool {
	return v.known() || v.fn != nil || v.cls != nil || v.isList || v.isDict || v.getter != nil || v.code || hasTaint(v)
}

// evalDict evaluates a dict literal: constant string keys keep their
// values, ** splats of known dicts merge in.
func (a *analyzer) evalDict(n int32, sc *scope, d int) value {
	t := a.t
	v := value{isDict: true, dict: map[string]value{}}
	for _, c := range t.namedChildren(n) {
		switch t.kind(c) {
		case "pair":
			k := a.eval(t.child(c, "key"), sc, d+1)
			e := a.eval(t.child(c, "value"), sc, d+1)
			v = v.mergeTaint(e)
			if k.isStr && len(v.dict) < maxDictLen {
				v.dict[k.str] = e
			}
		case "dictionary_splat":
			for _, g := range t.namedChildren(c) {
				o := a.eval(g, sc, d+1)
				v = v.mergeTaint(o)
				for k, e := range o.dict {
					if len(v.dict) < maxDictLen {
						v.dict[k] = e
					}
				}
			}
		}
	}
	return v
}

// splatKw returns the keywords that ** splats of names and calls add to
// call n (f(**opts), f(**dict(shell=True))); literal dicts are in callArgs.
func (a *analyzer) splatKw(n int32, sc *scope) map[string]value {
	t := a.t
	args := t.child(n, "arguments")
	if args == none || t.kind(args) != "argument_list" {
		return nil
	}
	var out map[string]value
	for _, c := range t.namedChildren(args) {
		if t.kind(c) != "dictionary_splat" {
			continue
		}
		for _, g := range t.namedChildren(c) {
			if t.kind(g) == "dictionary" {
				continue
			}
			for k, e := range a.eval(g, sc, 1).dict {
				if out == nil {
					out = map[string]value{}
				}
				out[k] = e
			}
		}
	}
	return out
}

// kwValues evaluates a call's keywords (written and splatted).
func (a *analyzer) kwValues(n int32, sc *scope, d int) map[string]value {
	_, kw := a.callArgs(n)
	out := a.splatKw(n, sc)
	for k, kn := range kw {
		if out == nil {
			out = map[string]value{}
		}
		out[k] = a.eval(kn, sc, d+1)
	}
	return out
}

// bindCallParams binds fd's parameters to what call n (evaluated in sc)
// passes: keywords, positions, ** splats, defaults; **kwargs gets the
// keywords no parameter took.
func (a *analyzer) bindCallParams(fd *fnDef, n int32, sc *scope, d int) *scope {
	t := a.t
	fs := newScope(fd.sc)
	pos, kw := a.callArgs(n)
	kwv := a.splatKw(n, sc)
	used := map[string]bool{}
	i := 0
	self := fd.cls != nil
	identIn := func(c int32) int32 {
		for _, g := range t.namedChildren(c) {
			if t.kind(g) == "identifier" {
				return g
			}
		}
		return none
	}
	for _, c := range t.namedChildren(t.child(fd.n, "parameters")) {
		name, def := int32(none), int32(none)
		switch t.kind(c) {
		case "identifier":
			name = c
		case "typed_parameter":
			name = identIn(c)
		case "default_parameter", "typed_default_parameter":
			name, def = t.child(c, "name"), t.child(c, "value")
		case "list_splat_pattern":
			if g := identIn(c); g != none {
				fs.vars[a.ident(g)] = value{}
			}
			i = len(pos)
			continue
		case "dictionary_splat_pattern":
			rest := value{isDict: true, dict: map[string]value{}}
			for k, kn := range kw {
				if !used[k] {
					rest.dict[k] = a.eval(kn, sc, d+1)
				}
			}
			for k, e := range kwv {
				if !used[k] {
					rest.dict[k] = e
				}
			}
			if g := identIn(c); g != none {
				fs.vars[a.ident(g)] = rest
			}
			continue
		}
		if name == none {
			continue
		}
		pn := a.ident(name)
		if self {
			self = false
			fs.vars[pn] = value{cls: fd.cls}
			if !fd.bound {
				i++ // C.method(obj, ...): the first argument is self
			}
			continue
		}
		var v value
		if kn, ok := kw[pn]; ok {
			v, used[pn] = a.eval(kn, sc, d+1), true
		} else if e, ok := kwv[pn]; ok {
			v, used[pn] = e, true
		} else if i < len(pos) {
			v = a.eval(pos[i], sc, d+1)
			i++
		} else if def != none {
			v = a.eval(def, fd.sc, d+1)
		}
		fs.vars[pn] = v
	}
	return fs
}

// callLocal is the value a call of a function of this module returns:
// its first informative return, with its parameters bound to the call's
// arguments. One level only: inside, calls of local functions are unknown.
func (a *analyzer) callLocal(fd *fnDef, n int32, sc *scope, d int) value {
	if a.inlining > 0 || d > maxEvalDepth/2 {
		return value{}
	}
	a.inlining++
	defer func() { a.inlining-- }()
	return a.returnValue(fd.n, a.bindCallParams(fd, n, sc, d))
}

// returnValue scans a function body in source order, binding imports and
// assignments in fs, and returns its first informative return value (the
// taint of all returns otherwise). Nothing is reported meanwhile.
func (a *analyzer) returnValue(fn int32, fs *scope) value {
	t := a.t
	body := t.child(fn, "body")
	if body == none {
		return value{}
	}
	a.quiet++
	defer func() { a.quiet-- }()
	var out value
	end := t.subtreeEnd(body)
	for i, steps := body, 0; i < end && steps < maxScan; i, steps = i+1, steps+1 {
		switch t.kind(i) {
		case "function_definition", "class_definition", "lambda":
			i = t.subtreeEnd(i) - 1
		case "import_statement", "import_from_statement":
			a.bindImport(i, fs)
		case "assignment":
			if r := t.child(i, "right"); r != none && t.kind(r) != "assignment" {
				a.bindTarget(t.child(i, "left"), a.eval(r, fs, 1), fs)
			}
		case "return_statement":
			ch := t.namedChildren(i)
			if len(ch) != 1 {
				continue
			}
			v := a.eval(ch[0], fs, 1)
			if informative(v) && !hasTaint(v) || v.known() {
				return v
			}
			out = out.mergeTaint(v)
		}
	}
	return out
}

// telling says whether an argument value could change what a helper's body
// does enough to check the body again with it.
func telling(v value) bool {
	switch {
	case v.fn != nil || v.cls != nil:
		return false
	case v.qual != "" && !strings.HasSuffix(v.qual, ")") && ruleFor(canonical(v.qual)) != "":
		return true
	case v.isStr:
		return isShell(program(v)) || rootClass(v.str) > 0 || v.obf
	case v.isList:
		return isShell(program(v))
	case v.isDict:
		_, ok := v.dict["shell"]
		return ok
	case v.isNum:
		return v.num == -1
	}
	return v.code || v.getter != nil || v.decoded != "" || v.frame || v.hostPath > 0 || v.pids || v.member || v.encoded || v.procPath
}

// inlineCall checks the body of the local function a call reaches again,
// with its parameters bound to the call's arguments, when one of them is
// telling: `def run(c, **kw): subprocess.Popen(c, **kw)` called as
// run(x, shell=True) is a shell. One level, within a per-file budget.
func (a *analyzer) inlineCall(fd *fnDef, n int32, f frame) {
	t := a.t
	if a.inlining > 0 || fd.n == none {
		return
	}
	body := t.child(fd.n, "body")
	if body == none {
		return
	}
	size := int(t.subtreeEnd(body) - body)
	if size > a.inlineBudget {
		return
	}
	a.inlining++
	defer func() { a.inlining-- }()
	fs := a.bindCallParams(fd, n, f.sc, 0)
	any := false
	for _, v := range fs.vars {
		if telling(v) {
			any = true
			break
		}
	}
	if !any {
		return
	}
	a.inlineBudget -= size
	_ = a.walk([]frame{{n: body, sc: fs, loop: f.loop, infinite: f.infinite, bomb: f.bomb, tiny: f.tiny}})
}

// prescanClass binds the attributes methods set on self (self.run =
// os.system) in the class scope before any code uses the class.
func (a *analyzer) prescanClass(n int32, cls, outer *scope) {
	t := a.t
	body := t.child(n, "body")
	if body == none {
		return
	}
	a.quiet++
	defer func() { a.quiet-- }()
	tmp := newScope(outer)
	end := t.subtreeEnd(body)
	for i, steps := body, 0; i < end && steps < maxScan; i, steps = i+1, steps+1 {
		switch t.kind(i) {
		case "class_definition":
			i = t.subtreeEnd(i) - 1
		case "function_definition":
			tmp = newScope(outer)
			a.bindParams(t.child(i, "parameters"), tmp, outer)
		case "assignment":
			l, r := t.child(i, "left"), t.child(i, "right")
			if t.kind(l) != "attribute" || r == none || t.kind(r) == "assignment" {
				continue
			}
			if o := t.child(l, "object"); t.kind(o) != "identifier" || a.ident(o) != "self" {
				continue
			}
			if v := a.eval(r, tmp, 1); informative(v) {
				cls.vars[a.ident(t.child(l, "attribute"))] = v
			}
		}
	}
}

// elemOf is what iterating over v yields.
func elemOf(v value) value {
	e := v.taint()
	e.sql, e.built = false, false
	q := v.qual
	switch {
	case q == "psutil.process_iter()":
		e.qual = "psutil.Process()"
	case q == "psutil.pids()" || q == "builtins.range()":
		e.pids = true
	case strings.HasSuffix(q, ".getmembers()") || strings.HasSuffix(q, ".namelist()") ||
		strings.HasSuffix(q, ".infolist()") || strings.HasSuffix(q, ".getnames()"):
		e.member = true
	case v.isList && len(v.list) > 0:
		// The worst element: `for f in (os.system, print): f(x)`.
		pick := v.list[0]
		for _, x := range v.list {
			if x.qual != "" && ruleFor(canonical(x.qual)) != "" {
				pick = x
				break
			}
		}
		if pick.isStr {
			return e.mergeTaint(pick)
		}
		pick = pick.mergeTaint(e)
		return pick
	}
	return e
}

// rootClass says whether constant path s is the home directory (1) or the
// root, a system directory or the directory of all homes (2).
func rootClass(s string) int8 {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0
	}
	if i := strings.IndexAny(s, "*?["); i >= 0 {
		s = s[:i] // a glob: the directory it lists
	}
	s = strings.TrimRight(s, `/\`)
	switch s {
	case "~", "$HOME", "%USERPROFILE%", "${HOME}":
		return 1
	case "", "/home", "/Users", `C:\Users`, "C:":
		return 2
	}
	if isSystemPath(s) {
		return 2
	}
	return 0
}

// pathClass is rootClass of a value: its constant or its taint.
func pathClass(v value) int8 {
	if v.isStr {
		return rootClass(v.str)
	}
	return v.hostPath
}

// applyGetter is what calling getter g on obj returns.
func (a *analyzer) applyGetter(g *getter, obj value, sc *scope) value {
	switch g.kind {
	case 'a':
		v := obj
		for _, part := range strings.Split(g.name, ".") {
			v = a.attr(v, part)
		}
		return v
	case 'i':
		return a.index(obj, value{isStr: true, str: g.name}, sc)
	}
	return value{}
}

// methodValue is what method m of obj returns when the method says what
// the result is: dict lookups, path listings, archive member names, text
// encodings, code objects' replace, split words.
func (a *analyzer) methodValue(obj value, m string, pos []int32, kw map[string]int32, sc *scope, d int) (value, bool) {
	arg := func(i int) value { return a.eval(argNode(pos, kw, i, ""), sc, d+1) }
	switch {
	case obj.isDict && (m == "get" || m == "pop" || m == "setdefault"):
		if k := arg(0); k.isStr {
			if v, ok := obj.dict[k.str]; ok {
				return v, true
			}
		}
		v := obj.taint()
		if len(pos) > 1 {
			v.oneOf = constChoices(obj, arg(1))
		} else {
			v.oneOf = constChoices(obj, value{isStr: true})
		}
		return v, true
	case obj.isDict && m == "copy":
		out := value{isDict: true, dict: map[string]value{}}
		for k, v := range obj.dict {
			out.dict[k] = v
		}
		return out, true
	case obj.ns && m == "get":
		if k := arg(0); k.isStr {
			return a.index(obj, k, sc), true
		}
		return value{dynamic: true, qual: "<dynamic>"}, true
	case m == "__subclasses__" && (obj.cls != nil || obj.localCls):
		return value{localCls: true}, true
	case obj.code && m == "replace":
		return value{code: true}, true
	case obj.isStr && m == "split" && len(pos) == 0 && len(obj.str) < 4096:
		return wordList(obj.str), true
	case obj.isStr && m == "format":
		v := value{built: true, sql: sqlRe.MatchString(obj.str), hostPath: rootClass(strings.SplitN(obj.str, "{", 2)[0])}
		for _, p := range pos {
			v = v.mergeTaint(a.eval(p, sc, d+1).taint())
		}
		return v, true
	}
	switch m {
	case "rglob", "glob", "iterdir", "walk", "expanduser", "resolve", "absolute", "joinpath", "parent", "scandir", "listdir":
		if c := pathClass(obj); c > 0 || obj.pids || obj.member || obj.walked || m == "rglob" || m == "iterdir" {
			if obj.isStr && (m == "expanduser" || m == "resolve" || m == "absolute") {
				return obj, true
			}
			v := obj.taint()
			v.hostPath = c
			v.procPath = v.procPath || obj.isStr && strings.TrimRight(obj.str, "/") == "/proc" && m != "parent"
			v.walked = v.walked || m == "rglob" || m == "glob" || m == "iterdir" || m == "walk" || m == "scandir" || m == "listdir"
			return v, true
		}
	case "namelist", "infolist", "getmembers", "getnames":
		return value{member: true}, true
	case "hex", "hexdigest":
		v := obj.taint()
		v.encoded = true
		return v, true
	}
	return value{}, false
}

// constChoices lists the constant strings a computed lookup in container
// c can yield (with dflt, the default), or nil when one is not constant.
func constChoices(c, dflt value) []string {
	if !dflt.isStr {
		return nil
	}
	out := []string{dflt.str}
	add := func(e value) bool {
		if !e.isStr || len(out) >= maxListLen {
			return false
		}
		out = append(out, e.str)
		return true
	}
	for _, e := range c.dict {
		if !add(e) {
			return nil
		}
	}
	for _, e := range c.list {
		if !add(e) {
			return nil
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// wordList is s split on white space, as a list value.
func wordList(s string) value {
	v := value{isList: true}
	for _, w := range strings.Fields(s) {
		if len(v.list) == maxListLen {
			break
		}
		v.list = append(v.list, value{isStr: true, str: strings.Trim(w, `'"`)})
	}
	return v
}

// evalFString is what an f-string is: text formatted from data, keeping
// its interpolations' taint, SQL if its text is SQL, a path under the root
// or the home directory if its text starts there.
func (a *analyzer) evalFString(n int32, sc *scope, d int) value {
	t := a.t
	var v, firstInterp value
	var prefix, content strings.Builder
	interps := 0
	for c := t.nodes[n].first; c != none; c = t.nodes[c].next {
		switch t.kind(c) {
		case "string_content", "escape_sequence":
			if content.Len() < 4096 {
				content.WriteString(t.text(c))
			}
			if interps == 0 && prefix.Len() < 4096 {
				prefix.WriteString(t.text(c))
			}
		case "interpolation":
			e := a.eval(t.child(c, "expression"), sc, d+1)
			if interps == 0 {
				firstInterp = e
			}
			interps++
			v = v.mergeTaint(e.taint())
		}
	}
	v.built = interps > 0 && content.Len() > 0
	v.sql = sqlRe.MatchString(content.String())
	if prefix.Len() > 0 {
		v.hostPath = rootClass(prefix.String())
	} else {
		v.hostPath = pathClass(firstInterp)
	}
	return v
}

// lambdaElem: for a lambda handed to map, filter or sorted, the element
// of the iterable it is called on, and true.
func (a *analyzer) lambdaElem(n int32, sc *scope) (value, bool) {
	t := a.t
	args := t.nodes[n].parent
	if t.kind(args) == "keyword_argument" {
		args = t.nodes[args].parent
	}
	call := t.nodes[args].parent
	if t.kind(args) != "argument_list" || t.kind(call) != "call" {
		return value{}, false
	}
	switch canonical(a.eval(t.child(call, "function"), sc, 1).qual) {
	case "builtins.map", "builtins.filter", "builtins.sorted", "builtins.min", "builtins.max", "itertools.starmap":
	default:
		return value{}, false
	}
	for _, c := range t.namedChildren(args) {
		if c != n && t.kind(c) != "keyword_argument" {
			return elemOf(a.eval(c, sc, 1)), true
		}
	}
	return value{}, true
}
