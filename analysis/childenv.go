package analysis

// A copy of the environment made to start a child process with one more
// variable — subprocess.run(cmd, env=dict(os.environ, LC_ALL="C")) — hands
// the environment to a program on this machine, not to the network; it is
// not the collection half of CDN608. Anything else done with the copy (a
// call argument, a return, a send) still counts.

// envOnlyForChildren says whether os.environ at n (or the copy made by
// the call n, os.environ.copy()) is handed on whole only as a process's
// env=: directly, through dict(os.environ, ...) or {**os.environ, ...}, or
// through a local name that is otherwise only read or updated by key.
func (a *analyzer) envOnlyForChildren(n int32, sc *scope) bool {
	t := a.t
	cur := n
	p := t.nodes[cur].parent
	if p != none && t.kind(p) == "dictionary_splat" {
		// {**os.environ, "LC_ALL": "C"}: the dict literal is the copy.
		cur = t.nodes[p].parent
		if cur == none || t.kind(cur) != "dictionary" {
			return false
		}
		p = t.nodes[cur].parent
	} else if p != none && t.kind(p) == "argument_list" {
		call := t.nodes[p].parent
		if a.calleeOf(call, sc) != "builtins.dict" {
			return false
		}
		cur = call
		p = t.nodes[cur].parent
	}
	if p == none {
		return false
	}
	switch t.kind(p) {
	case "keyword_argument":
		return t.child(p, "value") == cur && a.processEnv(p, sc)
	case "assignment":
		left := t.child(p, "left")
		if t.child(p, "right") != cur || left == none || t.kind(left) != "identifier" {
			return false
		}
		return a.usedOnlyAsChildEnv(a.ident(left), left, a.enclosingBody(p), sc)
	}
	return false
}

// enclosingBody is the function body (or the module) that holds n.
func (a *analyzer) enclosingBody(n int32) int32 {
	t := a.t
	for p := t.nodes[n].parent; p != none; p = t.nodes[p].parent {
		if t.kind(p) == "function_definition" {
			return t.child(p, "body")
		}
	}
	return 0
}

// usedOnlyAsChildEnv says whether every other occurrence of name inside
// body is a process's env=name, name[key] (read or assigned),
// name.update/setdefault/pop/get(...), a look at its keys (for k in name,
// k in name, list/sorted/set/len(name)) or a return from a helper whose
// every call is a process's env=.
func (a *analyzer) usedOnlyAsChildEnv(name string, def, body int32, sc *scope) bool {
	t := a.t
	uses := 0
	for _, id := range a.usesIn(name, def, body) {
		p := t.nodes[id].parent
		switch t.kind(p) {
		case "keyword_argument":
			if t.child(p, "name") == id {
				continue // f(env=...): the keyword, not the name
			}
			if !a.processEnv(p, sc) {
				return false
			}
			uses++
		case "subscript":
			if t.child(p, "value") != id {
				return false
			}
		case "return_statement":
			// def child_env(): env = dict(os.environ); ...; return env —
			// fine when every call of the helper is a process's env=.
			if !a.helperOnlyForChildren(body, sc) {
				return false
			}
			uses++
		case "for_statement", "for_in_clause", "comparison_operator":
			// for k in env / "X" in env: the variable names only.
			if k := t.kind(p); k != "comparison_operator" && t.child(p, "right") != id {
				return false
			}
		case "argument_list":
			// list(env), sorted(env), len(env): the variable names only.
			switch a.calleeOf(t.nodes[p].parent, sc) {
			case "builtins.list", "builtins.sorted", "builtins.len", "builtins.set":
			default:
				return false
			}
		case "attribute":
			if t.child(p, "object") != id {
				continue // another object's attribute of the same name
			}
			switch a.ident(t.child(p, "attribute")) {
			case "update", "setdefault", "pop", "get":
			default:
				return false
			}
		default:
			return false
		}
	}
	return uses > 0
}

// helperOnlyForChildren says whether body is the body of a function whose
// every call is a process's env=.
func (a *analyzer) helperOnlyForChildren(body int32, sc *scope) bool {
	t := a.t
	fn := t.nodes[body].parent
	if body == 0 || fn == none || t.kind(fn) != "function_definition" {
		return false
	}
	nameNode := t.child(fn, "name")
	name := a.ident(nameNode)
	calls := 0
	for i := range t.nodes {
		id := int32(i)
		if id == nameNode || t.kind(id) != "identifier" || a.ident(id) != name {
			continue
		}
		call := t.nodes[id].parent
		if t.kind(call) != "call" || t.child(call, "function") != id {
			return false
		}
		kw := t.nodes[call].parent
		if kw == none || t.kind(kw) != "keyword_argument" || t.child(kw, "value") != call || !a.processEnv(kw, sc) {
			return false
		}
		calls++
	}
	return calls > 0
}

// childProcessAPIs take an env= keyword that becomes a child's environment.
var childProcessAPIs = map[string]bool{"subprocess.run": true, "subprocess.Popen": true,
	"subprocess.call": true, "subprocess.check_call": true, "subprocess.check_output": true,
	"asyncio.create_subprocess_exec": true, "asyncio.create_subprocess_shell": true}

// processEnv says whether keyword argument kw is env= of a process API.
func (a *analyzer) processEnv(kw int32, sc *scope) bool {
	t := a.t
	if a.ident(t.child(kw, "name")) != "env" {
		return false
	}
	args := t.nodes[kw].parent
	return args != none && t.kind(args) == "argument_list" && childProcessAPIs[a.calleeOf(t.nodes[args].parent, sc)]
}
