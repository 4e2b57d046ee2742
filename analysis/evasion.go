package analysis

// Checks for the ways around the plain rules: dangerous functions handed
// on as values, introspection (frames, code objects, operator getters),
// pickle payloads, host-wide kills and deletions, DNS exfiltration,
// archive traversal, weak keys, swallowed exceptions, and the path shapes
// of /proc and other users' files. They read what flow.go tracks.

import (
	"fmt"
	"regexp"
	"strings"
)

// valueRules are the rules whose functions are dangerous even when only
// handed on (map(os.system, cmds), sorted(key=eval), {"run": os.system}).
var valueRules = map[string]bool{"CDN101": true, "CDN102": true, "CDN103": true, "CDN201": true, "CDN203": true,
	"CDN204": true, "CDN205": true, "CDN206": true, "CDN301": true, "CDN302": true}

// typeCalls take a function only to look at it.
var typeCalls = map[string]bool{"isinstance": true, "issubclass": true, "hasattr": true, "callable": true,
	"id": true, "repr": true, "type": true, "patch": true, "object": true}

// checkValueUse reports a dangerous function used as a value: an
// argument, a keyword or default value, a container element.
func (a *analyzer) checkValueUse(n int32, sc *scope) {
	t := a.t
	p := t.nodes[n].parent
	if p == none {
		return
	}
	switch t.kind(p) {
	case "argument_list", "list", "tuple", "set", "expression_list":
	case "keyword_argument", "pair", "default_parameter", "typed_default_parameter":
		if t.fieldOf(n) != "value" {
			return
		}
	default:
		return
	}
	v := a.eval(n, sc, 0)
	if v.qual == "" || strings.HasSuffix(v.qual, ")") || v.qual == "<dynamic>" {
		return
	}
	q := canonical(v.qual)
	id := ruleFor(q)
	if !valueRules[id] || a.lookedAt(n) {
		return
	}
	fi := a.finding(id, n, fmt.Sprintf("%s handed on as a value, to be called out of sight", builtinName(q)), q)
	if q == "builtins.__import__" || q == "importlib.import_module" || q == "importlib.__import__" {
		fi.Severity = high // the module name it will get is not in the code
	}
	a.emit(fi)
}

// lookedAt says whether n is an argument of a call that only inspects it
// (isinstance(p, subprocess.Popen), mock.patch.object(os, ...)).
func (a *analyzer) lookedAt(n int32) bool {
	t := a.t
	for i := 0; i < 4 && n != none; i++ {
		p := t.nodes[n].parent
		if p == none {
			return false
		}
		if t.kind(p) == "call" {
			name := t.text(t.child(p, "function"))
			name = name[strings.LastIndexByte(name, '.')+1:]
			return typeCalls[name] || strings.HasPrefix(name, "assert")
		}
		n = p
	}
	return false
}

// dangerousCallable says whether q, reached as a value, runs code,
// commands or deserialisation when called.
func dangerousCallable(q string) bool {
	if q == "" || strings.HasSuffix(q, ")") {
		return false
	}
	switch ruleFor(q) {
	case "CDN101", "CDN102", "CDN103", "CDN201", "CDN202", "CDN203", "CDN204", "CDN205", "CDN206",
		"CDN301", "CDN302", "CDN507", "CDN801", "CDN803":
		return true
	}
	// getattr(cls, name) is how enums and singletons pickle: it fetches,
	// it does not call.
	return q == "builtins.open" || q == "webbrowser.open"
}

// checkReduce reports a class whose __reduce__/__reduce_ex__ returns a
// dangerous callable: a pickle payload, run by whoever loads it.
func (a *analyzer) checkReduce(n int32, cls, outer *scope) {
	t := a.t
	for _, c := range t.namedChildren(t.child(n, "body")) {
		if t.kind(c) == "decorated_definition" {
			c = t.child(c, "definition")
		}
		if t.kind(c) != "function_definition" {
			continue
		}
		name := a.ident(t.child(c, "name"))
		if name != "__reduce__" && name != "__reduce_ex__" {
			continue
		}
		fs := newScope(outer)
		a.bindParams(t.child(c, "parameters"), fs, outer)
		v := a.returnValue(c, fs)
		if !v.isList || len(v.list) == 0 {
			continue
		}
		if q := canonical(v.list[0].qual); dangerousCallable(q) {
			a.report("CDN305", c, q, "%s returns %s and its arguments: unpickling the object calls it", name, builtinName(q))
		}
	}
}

// checkExcept reports `except: pass` and `except: continue` (bandit B110,
// B112) for a bare except or Exception/BaseException.
func (a *analyzer) checkExcept(n int32, f frame) {
	t := a.t
	body, typ := int32(none), int32(none)
	for c := t.nodes[n].first; c != none; c = t.nodes[c].next {
		switch k := t.kind(c); {
		case k == "block":
			body = c
		case t.nodes[c].named && k != "comment" && typ == none:
			typ = c
		}
	}
	var stmts []int32
	for _, c := range t.namedChildren(body) {
		if t.kind(c) != "comment" {
			stmts = append(stmts, c)
		}
	}
	if len(stmts) != 1 {
		return
	}
	k := t.kind(stmts[0])
	if k != "pass_statement" && k != "continue_statement" {
		return
	}
	if typ != none {
		if t.kind(typ) == "as_pattern" {
			if ch := t.namedChildren(typ); len(ch) > 0 {
				typ = ch[0]
			}
		}
		if tx := t.text(typ); tx != "Exception" && tx != "BaseException" {
			return
		}
	}
	what, id := "pass", "B110"
	if k == "continue_statement" {
		what, id = "continue", "B112"
	}
	a.report("CDN706", n, "", "except: %s hides every error, including the ones that matter (bandit %s)", what, id)
}

// checkFrameAttr: f_builtins, and f_globals/f_locals of a frame object,
// reach the interpreter's namespaces without naming them.
func (a *analyzer) checkFrameAttr(n int32, sc *scope, attr string) {
	if attr != "f_builtins" && a.readsModuleName(n, sc) {
		return
	}
	obj := a.eval(a.t.child(n, "object"), sc, 0)
	fi := a.finding("CDN107", n, fmt.Sprintf("frame attribute %s reaches a frame's namespace", attr), attr)
	switch {
	case attr == "f_builtins", obj.frame && attr == "f_globals":
		fi.Message = fmt.Sprintf("%s of a frame object reaches the builtins or globals of running code", attr)
	case obj.frame || attr == "f_globals":
		fi.Severity = medium
	default:
		return
	}
	a.emit(fi)
}

// moduleNames are the globals a frame is asked for to learn who called:
// sys._getframe(1).f_globals["__name__"] (namedtuple, enum, logging
// helpers) is not an escape.
var moduleNames = map[string]bool{"__name__": true, "__file__": true, "__package__": true, "__spec__": true,
	"__doc__": true, "__module__": true, "__qualname__": true, "__unittest": true, "__tracebackhide__": true}

// readsModuleName says whether namespace n (a frame's f_globals or
// f_locals) is only asked for a module name or tested for a key.
func (a *analyzer) readsModuleName(n int32, sc *scope) bool {
	t := a.t
	p := t.nodes[n].parent
	switch t.kind(p) {
	case "comparison_operator":
		return true // "__unittest" in frame.f_globals
	case "subscript":
		k := a.eval(t.child(p, "subscript"), sc, 0)
		return t.child(p, "value") == n && k.isStr && moduleNames[k.str]
	case "attribute":
		m := a.ident(t.child(p, "attribute"))
		call := t.nodes[p].parent
		if m != "get" || t.kind(call) != "call" {
			return false
		}
		pos, _ := a.callArgs(call)
		if len(pos) == 0 {
			return false
		}
		k := a.eval(pos[0], sc, 0)
		return k.isStr && moduleNames[k.str]
	}
	return false
}

// getterDanger are member names an operator getter must not fetch.
var getterDanger = map[string]bool{"system": true, "popen": true, "exec": true, "eval": true, "compile": true,
	"__import__": true, "execfile": true, "execv": true, "execve": true, "execl": true, "execvp": true,
	"spawnv": true, "spawnl": true, "posix_spawn": true, "fork": true, "getoutput": true, "check_output": true,
	"Popen": true, "__globals__": true, "__builtins__": true, "__subclasses__": true,
	"__code__": true, "f_globals": true, "f_builtins": true, "__getattribute__": true, "_getframe": true}

var dnsLookups = map[string]bool{"socket.gethostbyname": true, "socket.gethostbyname_ex": true, "socket.getaddrinfo": true,
	"dns.resolver.resolve": true, "dns.resolver.query": true, "dns.resolver.Resolver().resolve": true,
	"dns.resolver.Resolver().query": true, "socket.getfqdn": true}

// weakKeyGen: key generators and the argument holding the key size.
var weakKeyGen = map[string]struct {
	pos  int
	name string
}{
	"cryptography.hazmat.primitives.asymmetric.rsa.generate_private_key": {1, "key_size"},
	"cryptography.hazmat.primitives.asymmetric.dsa.generate_private_key": {0, "key_size"},
	"cryptography.hazmat.primitives.asymmetric.dsa.generate_parameters":  {0, "key_size"},
	"Crypto.PublicKey.RSA.generate":                                      {0, "bits"}, "Crypto.PublicKey.DSA.generate": {0, "bits"},
	"Cryptodome.PublicKey.RSA.generate": {0, "bits"}, "Cryptodome.PublicKey.DSA.generate": {0, "bits"},
	"rsa.newkeys": {0, "nbits"}, "paramiko.RSAKey.generate": {0, "bits"}, "paramiko.DSSKey.generate": {0, "bits"},
}

// traversal says whether an archive member name writes outside the
// directory it is extracted to.
func traversal(s string) bool {
	s = strings.ReplaceAll(s, `\`, "/")
	return strings.HasPrefix(s, "/") || s == ".." || strings.HasPrefix(s, "../") ||
		strings.Contains(s, "/../") || strings.HasSuffix(s, "/..") || len(s) > 2 && s[1] == ':'
}

// checkFlow applies the call rules that need tracked values: helpers
// re-checked with their arguments, operator getters, kills, deletions
// through path objects, DNS names built from data, archives, weak keys,
// templates from data, shell=True on any function, code.replace.
func (a *analyzer) checkFlow(n int32, q, method string, cv value, pos []int32, kw map[string]int32, kwv map[string]value, arg func(int, string) value, f frame) {
	t := a.t
	if cv.fn != nil {
		a.inlineCall(cv.fn, n, f)
		return
	}
	if cv.getter != nil && cv.getter.kind == 'm' {
		target := canonical(a.attr(arg(0, ""), cv.getter.name).qual)
		if id := ruleFor(target); id != "" {
			a.report(id, n, target, "%s called through operator.methodcaller", builtinName(target))
		}
		return
	}
	var obj value
	if fn := t.child(n, "function"); t.kind(fn) == "attribute" {
		obj = a.eval(t.child(fn, "object"), f.sc, 0)
	}
	a.noteOverwrite(n, q, method, obj, arg)
	switch {
	case q == "operator.attrgetter" || q == "operator.itemgetter" || q == "operator.methodcaller":
		for i := range pos {
			if q == "operator.methodcaller" && i > 0 {
				break
			}
			v := arg(i, "")
			if !v.isStr {
				continue
			}
			last := v.str[strings.LastIndexByte(v.str, '.')+1:]
			if getterDanger[last] && (q != "operator.itemgetter" || last != "Popen") {
				a.reportAt(high, "CDN104", n, q, "%s(%q) fetches a dangerous member without writing its name as code", builtinName(q), v.str)
			}
		}
	case q == "os.kill" || q == "os.killpg":
		a.checkKill(n, q, arg(0, ""), f)
	case (method == "kill" || method == "terminate" || method == "send_signal") && obj.qual == "psutil.Process()" && f.loop:
		a.report("CDN210", n, q, "kills every process psutil lists, in a loop")
	case (method == "unlink" || method == "rmdir") && !strings.HasPrefix(q, "os."):
		if obj.isStr && isSystemPath(obj.str) {
			a.report("CDN507", n, q, "%s deletes %q", method, obj.str)
		} else if !obj.isStr {
			a.checkDelete(n, method, obj, f, false)
		}
	case dnsLookups[q]:
		v := arg(0, "host")
		if !v.built && !v.encoded {
			return
		}
		fi := a.finding("CDN609", n, fmt.Sprintf("%s of a name built from data: a DNS query carries what is in the name", builtinName(q)), q)
		fi.Severity = medium
		if f.loop || v.encoded || v.decoded != "" {
			fi.Severity = high
			fi.Message = fmt.Sprintf("%s of names built from encoded data or in a loop: DNS exfiltration", builtinName(q))
		}
		a.emit(fi)
	case method == "extractall" || method == "extract" || q == "shutil.unpack_archive":
		a.checkExtract(n, q, method, pos, kw, kwv, arg)
	case method == "writestr" || q == "zipfile.ZipInfo" || q == "tarfile.TarInfo" ||
		(method == "write" || method == "add") && (strings.HasPrefix(q, "zipfile.") || strings.HasPrefix(q, "tarfile.")):
		v := arg(0, "")
		if method == "write" || method == "add" {
			v = arg(1, "arcname")
		}
		if v.isStr && traversal(v.str) {
			a.reportAt(high, "CDN509", n, q, "archive member named %q: extracting it writes outside the target directory", v.str)
		}
	case q == "os.path.join" || q == "pathlib.Path":
		a.checkShapeNode(n, f)
		for i := range pos {
			if arg(i, "").member {
				a.report("CDN509", n, q, "path built from an archive member's name without checking it: ../ or absolute names escape the target")
				break
			}
		}
	case q == "jinja2.Template" || method == "from_string" && strings.HasPrefix(obj.qual, "jinja2."):
		if v := arg(0, "source"); !v.isStr {
			a.report("CDN702", n, q, "Jinja2 template built from data: template injection")
		}
	case method == "replace" && obj.code:
		a.reportAt(high, "CDN102", n, "code.replace", "replaces a code object's bytecode, constants or names: building code no reader saw")
	case method == "get" && obj.ns:
		// os.__dict__.get("system") is os.__dict__["system"].
		owner := obj.qual
		if owner == "" {
			owner = "globals()"
		}
		k := arg(0, "")
		if k.isStr && moduleNames[k.str] {
			break
		}
		fi := a.finding("CDN105", n, fmt.Sprintf("lookup in the %s namespace with .get", owner), owner)
		if !k.isStr || owner == "builtins" || dangerousName[k.str] || k.str == "__builtins__" {
			fi.Severity = high
		}
		a.emit(fi)
	case method == "update" && obj.isDict:
		for k, v := range a.kwValues(n, f.sc, 0) {
			obj.dict[k] = v
		}
		for k, v := range arg(0, "").dict {
			obj.dict[k] = v
		}
	}
	if g, ok := weakKeyGen[q]; ok {
		if v := arg(g.pos, g.name); v.isNum && v.num < 2048 {
			fi := a.finding("CDN406", n, fmt.Sprintf("%s with a %d-bit key; use 2048 bits or more", builtinName(q), v.num), q)
			if v.num < 1024 {
				fi.Severity = high
			}
			a.emit(fi)
		}
	}
	if q == "cryptography.hazmat.primitives.asymmetric.ec.generate_private_key" {
		c := arg(0, "curve").qual
		if strings.Contains(c, "SECP192R1") || strings.Contains(c, "SECT163") {
			a.report("CDN406", n, q, "elliptic curve %s is under 224 bits", strings.TrimSuffix(c[strings.LastIndexByte(c, '.')+1:], "()"))
		}
	}
	if id := ruleFor(q); id != "CDN203" && id != "CDN202" {
		// bandit B604: shell=True handed to any other function.
		sh, written := kwv["shell"]
		if kn, ok := kw["shell"]; ok {
			sh, written = a.eval(kn, f.sc, 0), true
		}
		if written && (sh.isNum && sh.num != 0 || !sh.isNum) {
			fi := a.finding("CDN202", n, fmt.Sprintf("%s is passed shell=True", strings.TrimSpace(firstLine(t.text(t.child(n, "function"))))), q)
			fi.Severity = medium
			a.emit(fi)
		}
	}
}

// checkKill: signals to every process, to init, or to each listed pid.
func (a *analyzer) checkKill(n int32, q string, pid value, f frame) {
	fi := a.finding("CDN210", n, "", q)
	switch {
	case pid.isNum && pid.num == -1 && q == "os.kill":
		fi.Message = "os.kill(-1, ...) signals every process the user may signal"
	case pid.isNum && pid.num == 1:
		fi.Message = fmt.Sprintf("%s(1, ...) signals init", q)
	case pid.pids && f.loop:
		fi.Message = fmt.Sprintf("%s in a loop over a process listing: mass kill", q)
	case pid.isNum && pid.num <= 0:
		fi.Severity = medium
		fi.Message = fmt.Sprintf("%s(%d, ...) signals a whole process group", q, pid.num)
	case q == "os.killpg":
		fi.Severity = low
		fi.Message = "os.killpg signals a process group"
	default:
		return
	}
	a.emit(fi)
}

// checkDelete grades a deletion of a computed path by where it points.
func (a *analyzer) checkDelete(n int32, name string, v value, f frame, rmtree bool) {
	fi := a.finding("CDN507", n, "", name)
	switch c := pathClass(v); {
	case c == 2:
		fi.Message = fmt.Sprintf("%s deletes a path computed under the root or a system directory", name)
	case c == 1 && f.loop:
		fi.Message = fmt.Sprintf("%s in a loop over the home directory: mass deletion", name)
	case c == 1:
		fi.Severity = medium
		fi.Message = fmt.Sprintf("%s deletes a path computed under the home directory", name)
	case rmtree:
		fi.Severity = low
		fi.Message = fmt.Sprintf("%s of a path computed at run time", name)
	default:
		return
	}
	a.emit(fi)
}

// checkExtract: tar extraction without a filter, any extraction into the
// root.
func (a *analyzer) checkExtract(n int32, q, method string, pos []int32, kw map[string]int32, kwv map[string]value, arg func(int, string) value) {
	dest := arg(0, "path")
	if q == "shutil.unpack_archive" {
		dest = arg(1, "extract_dir")
	}
	if method == "extract" {
		dest = arg(1, "path")
	}
	if dest.isStr && (rootClass(dest.str) == 2 || strings.TrimSpace(dest.str) == "/") || !dest.isStr && dest.hostPath == 2 && dest.built {
		a.reportAt(high, "CDN509", n, q, "extracts an archive into the root or a system directory")
		return
	}
	tarish := strings.HasPrefix(q, "tarfile.") || q == "shutil.unpack_archive"
	if !tarish {
		return
	}
	_, hasFilter := kw["filter"]
	fv, splatFilter := kwv["filter"]
	if hasFilter {
		fv = arg(-1, "filter")
	}
	if !hasFilter && !splatFilter || fv.isStr && fv.str == "fully_trusted" {
		a.report("CDN509", n, q, "%s without filter=\"data\": members named ../x, /x or links write outside the target directory", builtinName(q))
	}
}

var procShapeRe = regexp.MustCompile(`/proc/\{\}/(environ|cmdline|mem|maps)\b`)

var otherUsersRe = regexp.MustCompile(`^(/home|/Users|C:[/\\]Users)/\{\}/.`)

// shape is the text a string expression builds, with {} for the parts
// only known at run time: f"/proc/{pid}/environ" is "/proc/{}/environ".
func (a *analyzer) shape(n int32, sc *scope, d int) string {
	t := a.t
	if d > 12 {
		return "{}"
	}
	switch t.kind(n) {
	case "string":
		if s, _, ok := t.stringValue(n); ok {
			return s
		}
		var b strings.Builder
		for c := t.nodes[n].first; c != none && b.Len() < 512; c = t.nodes[c].next {
			switch t.kind(c) {
			case "string_content":
				b.WriteString(t.text(c))
			case "interpolation":
				b.WriteString("{}")
			}
		}
		return b.String()
	case "binary_operator":
		l, r := a.shape(t.child(n, "left"), sc, d+1), a.shape(t.child(n, "right"), sc, d+1)
		switch strings.TrimSpace(t.text(t.child(n, "operator"))) {
		case "+":
			return l + r
		case "/":
			return l + "/" + r
		case "%":
			return pctRe.ReplaceAllString(l, "{}")
		}
	case "parenthesized_expression":
		if ch := t.namedChildren(n); len(ch) == 1 {
			return a.shape(ch[0], sc, d+1)
		}
	case "call":
		q := canonical(a.eval(t.child(n, "function"), sc, d+1).qual)
		if q == "os.path.join" || q == "pathlib.Path" || q == "pathlib.PurePath" {
			pos, _ := a.callArgs(n)
			parts := make([]string, 0, len(pos))
			for _, p := range pos {
				parts = append(parts, a.shape(p, sc, d+1))
			}
			return strings.Join(parts, "/")
		}
	}
	switch v := a.eval(n, sc, d+1); {
	case v.isStr && len(v.str) < 512:
		return v.str
	case v.procPath:
		return "/proc/{}"
	}
	return "{}"
}

var pctRe = regexp.MustCompile(`%[-#0 +]*\d*(\.\d+)?[sdrif]`)

// checkShape looks at the path an f-string, a concatenation or a
// formatting builds: /proc/{}/environ, /home/{}/.ssh/id_rsa.
func (a *analyzer) checkShape(n int32, f frame) {
	t := a.t
	switch t.kind(n) {
	case "string":
		if _, _, ok := t.stringValue(n); ok {
			return
		}
	case "binary_operator":
		if p := t.nodes[n].parent; p != none && t.kind(p) == "binary_operator" {
			return
		}
		switch strings.TrimSpace(t.text(t.child(n, "operator"))) {
		case "+", "/", "%":
		default:
			return
		}
	}
	a.checkShapeNode(n, f)
}

func (a *analyzer) checkShapeNode(n int32, f frame) {
	if !strings.ContainsAny(a.t.text(n), "/\\") {
		return
	}
	sh := a.shape(n, f.sc, 0)
	if !strings.Contains(sh, "{}") {
		return
	}
	short := sh
	if len(short) > 80 {
		short = short[:80] + "..."
	}
	if m := procShapeRe.FindStringSubmatch(sh); m != nil {
		// One process's file (a child's cmdline) is ordinary; every
		// process's, in a loop, is a scan for secrets.
		fi := a.finding("CDN505", n, fmt.Sprintf("reads /proc/<pid>/%s of a process chosen at run time", m[1]), sh)
		switch {
		case f.loop:
			fi.Message = fmt.Sprintf("scans /proc/<pid>/%s of many processes in a loop", m[1])
			a.sensitive(n)
		case m[1] == "environ" || m[1] == "mem":
			fi.Severity = medium
		default:
			fi.Severity = low
		}
		a.emit(fi)
	} else if hasAny(strings.ToLower(sh), sensitiveHints) {
		a.sensitivePath(n, sh, short)
	}
	if otherUsersRe.MatchString(sh) {
		fi := a.finding("CDN505", n, fmt.Sprintf("path into another user's home directory %q", short), sh)
		fi.Severity = medium
		if f.loop {
			fi.Severity = high
			fi.Message = fmt.Sprintf("reads files of every user's home directory in a loop (%q)", short)
		}
		a.sensitive(n)
		a.emit(fi)
	}
}

// checkDefaults: a secret as a parameter's default value (bandit B107).
func (a *analyzer) checkDefaults(params int32) {
	t := a.t
	for _, c := range t.namedChildren(params) {
		if k := t.kind(c); k != "default_parameter" && k != "typed_default_parameter" {
			continue
		}
		if v := t.child(c, "value"); t.kind(v) == "string" {
			a.checkSecret(a.ident(t.child(c, "name")), v, a.eval(v, nil, 0))
		}
	}
}

// archiveMember says whether n is an archive member (a TarInfo, a ZipInfo,
// an element of getmembers() or infolist()).
func (a *analyzer) archiveMember(n int32, sc *scope) bool {
	v := a.eval(n, sc, 0)
	return v.member || strings.HasPrefix(v.qual, "zipfile.") || strings.HasPrefix(v.qual, "tarfile.")
}

// reportCommandString reports a dangerous command line in a literal: high,
// or medium when the literal is held as data — an element of a container
// bound to a name, an argument of a class or function of this script, a
// pytest parameter. Wherever such data is run, the process call itself is
// a finding of its own.
func (a *analyzer) reportCommandString(n int32, m string, sc *scope) {
	fi := a.finding("CDN208", n, fmt.Sprintf("dangerous command line %q", strings.TrimSpace(m)), m)
	if a.heldAsData(n, sc) {
		fi.Severity = medium
		fi.Message += " held as data; no process call takes it here"
	}
	a.emit(fi)
}

func (a *analyzer) heldAsData(n int32, sc *scope) bool {
	t := a.t
	cur, inContainer := n, false
	for i := 0; i < 16; i++ {
		p := t.nodes[cur].parent
		if p == none {
			return false
		}
		switch t.kind(p) {
		case "list", "tuple", "set", "dictionary", "pair", "expression_list":
			inContainer = true
		case "parenthesized_expression", "concatenated_string":
		case "keyword_argument":
			if t.child(p, "value") != cur {
				return false
			}
		case "argument_list":
			call := t.nodes[p].parent
			if t.kind(call) != "call" {
				return false
			}
			fn := t.child(call, "function")
			if strings.HasSuffix(t.text(fn), ".parametrize") {
				return true // a test's parameters
			}
			v := a.eval(fn, sc, 0)
			return (v.cls != nil || v.fn != nil) && !a.hasProcessCall()
		case "assignment":
			return inContainer && t.child(p, "right") == cur && !a.hasProcessCall()
		default:
			return false
		}
		cur = p
	}
	return false
}

// processCalls are the last names of calls that run commands or code.
var processCalls = map[string]bool{"system": true, "popen": true, "run": true, "call": true, "check_call": true,
	"check_output": true, "Popen": true, "getoutput": true, "getstatusoutput": true, "exec": true, "eval": true,
	"compile": true, "__import__": true, "execl": true, "execle": true, "execlp": true, "execlpe": true, "execv": true,
	"execve": true, "execvp": true, "execvpe": true, "spawnl": true, "spawnle": true, "spawnlp": true, "spawnlpe": true,
	"spawnv": true, "spawnve": true, "spawnvp": true, "spawnvpe": true, "posix_spawn": true, "posix_spawnp": true,
	"startfile": true, "spawn": true, "create_subprocess_shell": true, "create_subprocess_exec": true,
	"getattr": true, "exec_command": true, "runsource": true, "runcode": true}

// hasProcessCall says whether any call in the file could run a command or
// code (by the called name alone, so over-approximated). Without one, a
// command line held as data cannot be run by this file.
func (a *analyzer) hasProcessCall() bool {
	if a.procCalls != 0 {
		return a.procCalls > 0
	}
	t := a.t
	a.procCalls = -1
	for i := range t.nodes {
		if t.kind(int32(i)) != "call" {
			continue
		}
		fn := t.child(int32(i), "function")
		name := t.text(fn)
		if t.kind(fn) == "attribute" {
			name = t.text(t.child(fn, "attribute"))
		}
		if processCalls[name] || t.kind(fn) != "identifier" && t.kind(fn) != "attribute" {
			a.procCalls = 1
			break
		}
	}
	return a.procCalls > 0
}

// writeTargets are calls that write, move or remove their first argument.
var writeTargets = map[string]bool{"os.remove": true, "os.unlink": true, "os.rename": true, "os.replace": true,
	"shutil.move": true, "os.truncate": true}

// noteOverwrite records a walked path being written, renamed or removed
// (the third fact of the ransomware shape, beside walking and encrypting).
func (a *analyzer) noteOverwrite(n int32, q, method string, obj value, arg func(int, string) value) {
	switch {
	case writeTargets[q]:
	case q == "builtins.open" || q == "io.open":
		if md := arg(1, "mode"); !md.isStr || !strings.ContainsAny(md.str, "wa+x") {
			return
		}
	case method == "write_bytes" || method == "write_text" || method == "unlink" || method == "rename" || method == "replace":
		if obj.walked {
			a.facts.overwrite = true
		}
		return
	default:
		return
	}
	if arg(0, "").walked {
		a.facts.overwrite = true
	}
}
