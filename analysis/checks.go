package analysis

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/cordonsec/cordon/policy"
)

// finding builds a finding of rule id at node n with the rule's defaults.
func (a *analyzer) finding(id string, n int32, msg, target string) Match {
	r := ruleByID[id]
	t := a.t
	f := Match{Rule: id, Severity: r.Severity, Confidence: r.Confidence, Category: r.Category,
		Message: msg, Target: builtinName(target)}
	if n >= 0 {
		f.Line, f.Column = t.pos(t.nodes[n].start)
		f.EndLine, f.EndColumn = t.pos(t.nodes[n].end)
		f.Snippet = strings.TrimSpace(t.lineText(f.Line))
	}
	return f
}

// emit records f; inside an exec'd payload it is moved to the exec call.
func (a *analyzer) emit(f Match) {
	if a.quiet > 0 {
		return
	}
	if f.Severity == "" {
		r := ruleByID[f.Rule]
		f.Severity, f.Confidence, f.Category = r.Severity, r.Confidence, r.Category
	}
	if a.payloadAt != nil {
		at := a.payloadAt
		f.Message = "in code run by " + at.Target + ": " + f.Message
		f.Line, f.Column, f.EndLine, f.EndColumn, f.Snippet = at.Line, at.Column, at.EndLine, at.EndColumn, at.Snippet
	}
	a.rep.add(f)
}

func (a *analyzer) report(id string, n int32, target, format string, args ...any) {
	a.emit(a.finding(id, n, fmt.Sprintf(format, args...), target))
}

// reportAt is report at severity sev instead of the rule's default.
func (a *analyzer) reportAt(sev policy.Severity, id string, n int32, target, format string, args ...any) {
	fi := a.finding(id, n, fmt.Sprintf(format, args...), target)
	fi.Severity = sev
	a.emit(fi)
}

// truthy says whether a loop condition is constantly true.
func (a *analyzer) truthy(n int32, sc *scope) bool {
	v := a.eval(n, sc, 0)
	return (v.isNum && v.num != 0) || (v.isStr && v.str != "")
}

var shells = map[string]bool{"sh": true, "bash": true, "zsh": true, "dash": true, "ksh": true, "csh": true,
	"tcsh": true, "fish": true, "ash": true, "busybox": true, "cmd": true, "cmd.exe": true, "powershell": true,
	"powershell.exe": true, "pwsh": true}

// launchers run the program named after them (env sh -c ..., sudo bash).
var launchers = map[string]bool{"env": true, "nohup": true, "sudo": true, "doas": true, "timeout": true,
	"setsid": true, "nice": true, "ionice": true, "stdbuf": true, "exec": true, "command": true, "xargs": true,
	"chrt": true, "taskset": true, "unbuffer": true}

// program returns the program a process call starts, when constant,
// looking past launchers, their options and VAR=value words.
func program(v value) string {
	var words []string
	switch {
	case v.isStr:
		words = strings.Fields(v.str)
	case v.isList:
		for _, e := range v.list {
			if !e.isStr {
				break
			}
			words = append(words, e.str)
		}
	}
	for i, w := range words {
		base := strings.ToLower(path.Base(strings.ReplaceAll(w, `\`, "/")))
		if i > 0 && (strings.HasPrefix(w, "-") || strings.Contains(w, "=") || w[0] >= '0' && w[0] <= '9') {
			continue
		}
		if launchers[base] && i < len(words)-1 {
			continue
		}
		return w
	}
	return ""
}

func isShell(p string) bool {
	return p != "" && shells[strings.ToLower(path.Base(strings.ReplaceAll(p, `\`, "/")))]
}

var spawnTargets = map[string]bool{"os.fork": true, "os.forkpty": true, "pty.fork": true, "os.system": true,
	"os.popen": true, "subprocess.Popen": true, "subprocess.run": true, "subprocess.call": true,
	"subprocess.check_call": true, "subprocess.check_output": true, "multiprocessing.Process().start": true,
	"threading.Thread().start": true, "multiprocessing.Process": true, "threading.Thread": true,
	"_thread.start_new_thread": true, "thread.start_new_thread": true, "multiprocessing.Pool": true}

var sqlRe = regexp.MustCompile(`(?i)^\s*(select\s.+\sfrom|insert\s+into|update\s.+\sset|delete\s+from|drop\s|create\s|alter\s|replace\s+into|with\s)`)

// call is one call site as the call rules see it.
type call struct {
	n      int32
	f      frame
	cv     value  // the callee's value
	q      string // its canonical qualified name
	name   string // builtinName(q), as messages say it
	method string // the attribute called, for x.method(...)
	pos    []int32
	kw     map[string]int32
	kwv    map[string]value // keywords splatted from tracked dicts (**opts) or bound by partial
}

// newCall evaluates call node n's callee and arguments.
func (a *analyzer) newCall(n int32, f frame) *call {
	t := a.t
	fn := t.child(n, "function")
	c := &call{n: n, f: f, cv: a.eval(fn, f.sc, 0)}
	c.q = canonical(c.cv.qual)
	c.name = builtinName(c.q)
	c.pos, c.kw = a.callArgs(n)
	c.kwv = a.splatKw(n, f.sc)
	for k, v := range c.cv.kwBound {
		if _, ok := c.kw[k]; !ok {
			if c.kwv == nil {
				c.kwv = map[string]value{}
			}
			c.kwv[k] = v
		}
	}
	if t.kind(fn) == "attribute" {
		c.method = a.ident(t.child(fn, "attribute"))
	}
	return c
}

// arg is the value of argument i or keyword name (-1, "": either alone).
func (a *analyzer) arg(c *call, i int, name string) value {
	an := argNode(c.pos, c.kw, i, name)
	if an == none && name != "" {
		if v, ok := c.kwv[name]; ok {
			return v
		}
	}
	return a.eval(an, c.f.sc, 0)
}

// checkCall applies the call rules to call node n, one named step after
// another: calls through computed names, spawning in loops, the method
// rules, the facts the whole-file rules use, the data-flow rules, then
// the rule of the callee itself.
func (a *analyzer) checkCall(n int32, f frame) {
	c := a.newCall(n, f)
	arg := func(i int, name string) value { return a.arg(c, i, name) }
	a.checkDynamicCall(c)
	a.checkSpawnInLoop(c)
	a.checkMethodCall(n, c.method, c.q, c.pos, c.kw, arg)
	a.collectFacts(n, c.q, c.method, f)
	a.checkFlow(n, c.q, c.method, c.cv, c.pos, c.kw, c.kwv, arg, f)
	a.checkCallee(c)
}

// checkDynamicCall: a call through a name computed at run time.
func (a *analyzer) checkDynamicCall(c *call) {
	if c.cv.dynamic && c.q != "" {
		a.report("CDN104", c.n, c.q, "call through a name computed at run time (%s)", strings.TrimSpace(firstLine(a.t.text(a.t.child(c.n, "function")))))
	}
}

// checkSpawnInLoop: forking or spawning in an unbounded loop is a bomb
// (server-shaped when the loop also waits for work), forking in any loop
// suspect.
func (a *analyzer) checkSpawnInLoop(c *call) {
	q, n, f := c.q, c.n, c.f
	if f.infinite && (spawnTargets[q] || strings.HasPrefix(q, "os.spawn") || strings.HasPrefix(q, "os.exec")) {
		fi := a.finding("CDN207", n, fmt.Sprintf("%s inside an unbounded loop: fork/spawn bomb", builtinName(q)), q)
		if !f.bomb {
			fi.Severity = medium
			fi.Message = fmt.Sprintf("%s inside an unbounded loop that also waits for work (server-shaped)", builtinName(q))
		}
		a.emit(fi)
	} else if f.loop && (q == "os.fork" || q == "os.forkpty" || q == "pty.fork") {
		fi := a.finding("CDN207", n, fmt.Sprintf("%s inside a loop", q), q)
		fi.Severity = medium
		a.emit(fi)
	}
}

// checkCallee applies the rule of the function called (ruleFor), by
// family.
func (a *analyzer) checkCallee(c *call) {
	switch id := ruleFor(c.q); id {
	case "CDN101", "CDN102", "CDN103", "CDN104":
		a.codeRules(c, id)
	case "CDN201", "CDN203", "CDN204", "CDN205", "CDN206", "CDN209":
		a.processRules(c, id)
	case "CDN301", "CDN302", "CDN303", "CDN304":
		a.deserialiseRules(c, id)
	case "CDN401", "CDN402", "CDN404", "CDN405":
		a.cryptoRules(c, id)
	case "CDN503", "CDN504", "CDN507":
		a.fileRules(c, id)
	case "CDN601", "CDN602", "CDN603", "CDN605":
		a.networkRules(c, id)
	case "CDN702", "CDN705", "CDN801", "CDN802", "CDN803", "CDN902":
		a.otherRules(c, id)
	}
}

// codeRules: running code that no reader saw (exec, eval, compile, dynamic imports, reflection by name).
func (a *analyzer) codeRules(c *call, id string) {
	n, q, name := c.n, c.q, c.name
	pos, kw := c.pos, c.kw
	arg := func(i int, name string) value { return a.arg(c, i, name) }
	switch id {
	case "CDN101":
		if len(pos) == 0 && len(kw) == 0 {
			return
		}
		a.checkExec(n, name, arg(0, "source"))
	case "CDN102":
		v := arg(0, "source")
		switch {
		case v.decoded != "":
			a.report("CDN106", n, q, "%s of data decoded by %s", name, v.decoded)
		case q == "types.FunctionType" || q == "types.CodeType":
			a.reportAt(high, id, n, q, "%s builds a function or code object from raw code: code no reader saw", name)
		default:
			fi := a.finding(id, n, fmt.Sprintf("%s builds a code object", name), q)
			fi.Severity = medium
			a.emit(fi)
		}
	case "CDN103":
		v := arg(0, "name")
		if q == "imp.load_source" || q == "importlib.util.spec_from_file_location" || q == "importlib.machinery.SourceFileLoader" {
			v = arg(1, "")
		}
		switch {
		case strings.HasPrefix(q, "runpy."):
			fi := a.finding(id, n, fmt.Sprintf("%s runs a module or file as __main__", name), q)
			fi.Severity = high
			a.emit(fi)
		case v.isStr && !v.obf:
			a.report(id, n, q, "%s loads module %q dynamically", name, v.str)
		case v.isStr:
			fi := a.finding(id, n, fmt.Sprintf("%s loads module %q from an obfuscated name", name, v.str), q)
			fi.Severity = high
			a.emit(fi)
		case len(v.oneOf) > 0:
			a.report(id, n, q, "%s loads one of the modules %s, chosen at run time", name, strings.Join(v.oneOf, ", "))
		default:
			// Which module a computed name loads is not in the code.
			fi := a.finding(id, n, fmt.Sprintf("%s with a module name computed at run time", name), q)
			if q == "builtins.__import__" || q == "importlib.import_module" || q == "importlib.__import__" || v.decoded != "" || v.obf {
				fi.Severity = high
			}
			a.emit(fi)
		}
	case "CDN104":
		obj := arg(0, "")
		nm := arg(1, "")
		if !(obj.ns || (obj.qual != "" && !strings.HasSuffix(obj.qual, ")") && !strings.HasPrefix(obj.qual, "builtins.")) || obj.qual == "builtins") {
			if nm.isStr && strongDunder[nm.str] {
				fi := a.finding("CDN107", n, fmt.Sprintf("%s reaches %s by name", name, nm.str), q)
				if nm.str != "__subclasses__" && nm.str != "__globals__" && nm.str != "__builtins__" && !(nm.str == "__code__" && q == "builtins.setattr") {
					fi.Severity = medium
				}
				a.emit(fi)
			}
			return
		}
		owner := obj.qual
		if owner == "" {
			owner = "globals"
		}
		if nm.isStr && !nm.obf && nm.decoded == "" {
			a.report(id, n, q+":"+owner+"."+nm.str, "%s(%s, %q) reaches %s.%s by a string name", name, owner, nm.str, owner, nm.str)
		} else {
			fi := a.finding(id, n, fmt.Sprintf("%s on %s with a name computed at run time", name, owner), q)
			if dangerousModule[owner] || owner == "globals" || nm.obf || nm.decoded != "" || obj.ns {
				fi.Severity = high
			}
			a.emit(fi)
		}
	}
}

// processRules: starting processes and shells, forking, changing privileges.
func (a *analyzer) processRules(c *call, id string) {
	t, n, q, name := a.t, c.n, c.q, c.name
	pos, kw, kwv := c.pos, c.kw, c.kwv
	arg := func(i int, name string) value { return a.arg(c, i, name) }
	switch id {
	case "CDN201":
		a.facts.shell = true
		a.facts.exec = true
		a.shellCommand(id, n, q, name, arg(0, "cmd"), "runs a command line through the shell")
	case "CDN203":
		sh := arg(-1, "shell")
		prog := program(arg(0, "args"))
		a.facts.exec = true
		_, splatShell := kwv["shell"]
		if (sh.isNum && sh.num != 0) || ((argNode(pos, kw, -1, "shell") != none || splatShell) && !sh.isNum) {
			a.facts.shell = true
			a.shellCommand("CDN202", n, q, name, arg(0, "args"), "with shell=True runs a command line through /bin/sh")
		} else if isShell(prog) {
			a.facts.shell = true
			a.shellSpawn(n, q, name, prog, arg(0, "args"))
		} else {
			a.report(id, n, q, "%s starts a process", name)
		}
		for _, k := range []string{"stdin", "stdout", "stderr"} {
			if s := arg(-1, k); s.socket || strings.Contains(t.text(argNode(pos, kw, -1, k)), "fileno") {
				a.report("CDN602", n, q, "%s connects a process's %s to a socket", name, k)
			}
		}
	case "CDN204":
		a.report(id, n, q, "%s starts or replaces a process directly", name)
		p := arg(1, "")
		if strings.HasPrefix(q, "os.exec") {
			p = arg(0, "")
		}
		if isShell(program(p)) || isShell(program(arg(1, ""))) {
			a.facts.shell = true
			a.report("CDN205", n, q, "%s starts a shell", name)
		}
	case "CDN205":
		a.facts.shell = true
		a.report(id, n, q, "%s spawns a program on a pseudo-terminal", name)
	case "CDN206":
		a.report(id, n, q, "%s forks the process", name)
	case "CDN209":
		a.report(id, n, q, "%s changes privileges or root directory", name)
	}
}

// deserialiseRules: deserialisers that can run code.
func (a *analyzer) deserialiseRules(c *call, id string) {
	t, n, q, name := a.t, c.n, c.q, c.name
	pos, kw := c.pos, c.kw
	arg := func(i int, name string) value { return a.arg(c, i, name) }
	switch id {
	case "CDN301", "CDN302":
		v := arg(0, "")
		if v.decoded != "" {
			a.report("CDN106", n, q, "%s of data decoded by %s", name, v.decoded)
			return
		}
		if q == "numpy.load" {
			ap := arg(-1, "allow_pickle")
			if !(ap.isNum && ap.num != 0) {
				return
			}
		}
		if wo := arg(-1, "weights_only"); q == "torch.load" && wo.isNum && wo.num != 0 {
			// weights_only=True unpickles tensors and plain containers only.
			fi := a.finding(id, n, "torch.load with weights_only=True (restricted unpickler)", q)
			fi.Severity = low
			a.emit(fi)
			return
		}
		a.report(id, n, q, "%s deserialises data that can run code", name)
	case "CDN303":
		if q == "yaml.load" || q == "yaml.load_all" {
			ln := argNode(pos, kw, 1, "Loader")
			lt := t.text(ln)
			if ln != none && (strings.Contains(lt, "SafeLoader") || strings.Contains(lt, "BaseLoader")) {
				return
			}
		}
		a.report(id, n, q, "%s can construct arbitrary Python objects; use yaml.safe_load", name)
	case "CDN304":
		a.report(id, n, q, "%s parses XML with entity expansion; use defusedxml", name)
	}
}

// cryptoRules: weak hashes, ciphers and random numbers, certificate checks turned off.
func (a *analyzer) cryptoRules(c *call, id string) {
	n, q, name := c.n, c.q, c.name
	arg := func(i int, name string) value { return a.arg(c, i, name) }
	switch id {
	case "CDN401":
		if q == "hashlib.new" {
			v := arg(0, "name")
			if !v.isStr || !weakHash[strings.ToLower(v.str)] {
				return
			}
			name = "hashlib.new(" + v.str + ")"
		}
		if u := arg(-1, "usedforsecurity"); u.isNum && u.num == 0 {
			return
		}
		a.report(id, n, q, "%s is a broken hash; use SHA-256 or better", name)
	case "CDN402":
		a.report(id, n, q, "%s is not a cryptographic random generator", name)
	case "CDN404":
		a.report(id, n, q, "%s turns off certificate verification", name)
	case "CDN405":
		a.report(id, n, q, "%s is a broken cipher or mode", name)
	}
}

// fileRules: temporary names, permissions, deleting system paths or the script.
func (a *analyzer) fileRules(c *call, id string) {
	t, n, q, name, method := a.t, c.n, c.q, c.name, c.method
	pos, kw, f := c.pos, c.kw, c.f
	arg := func(i int, name string) value { return a.arg(c, i, name) }
	switch id {
	case "CDN503":
		a.report(id, n, q, "%s returns a name another process can take first; use mkstemp", name)
	case "CDN504":
		mode := arg(1, "mode")
		if method == "chmod" && !strings.HasPrefix(q, "os.") {
			mode = arg(0, "mode")
		}
		a.checkMode(n, q, mode)
	case "CDN507":
		v := arg(0, "path")
		pt := strings.TrimSpace(t.text(argNode(pos, kw, 0, "path")))
		switch {
		case v.isStr && isSystemPath(v.str):
			a.report(id, n, q, "%s deletes %q", name, v.str)
		case pt == "__file__" || pt == "sys.argv[0]" || strings.Contains(pt, "abspath(__file__)") || strings.Contains(pt, "realpath(__file__)"):
			a.report(id, n, q, "%s deletes the script itself (anti-forensics)", name)
		case !v.isStr:
			a.checkDelete(n, name, v, f, q == "shutil.rmtree")
		}
	}
}

// networkRules: sockets, requests, clear-text protocols, reverse shells.
func (a *analyzer) networkRules(c *call, id string) {
	t, n, q, name := a.t, c.n, c.q, c.name
	pos, kw, f := c.pos, c.kw, c.f
	arg := func(i int, name string) value { return a.arg(c, i, name) }
	switch id {
	case "CDN601":
		a.facts.socket, a.facts.netSink = true, true
		a.facts.netNode = n
		a.report(id, n, q, "%s opens a network socket", name)
	case "CDN602":
		v := arg(0, "")
		if v.socket || strings.Contains(t.text(argNode(pos, kw, 0, "")), "fileno") && !a.fileFileno(argNode(pos, kw, 0, ""), f.sc) {
			a.report(id, n, q, "%s duplicates a socket onto a standard stream: reverse shell", name)
		}
	case "CDN603":
		a.facts.netSink = true
		a.facts.netNode = n
		u := arg(0, "url")
		if strings.HasSuffix(q, "urlopen") && (!u.isStr || strings.HasPrefix(strings.ToLower(u.str), "file:")) {
			fi := a.finding(id, n, fmt.Sprintf("%s of a URL that is not a constant http(s) URL (file: and custom schemes are allowed)", name), q)
			fi.Severity = medium
			a.emit(fi)
			return
		}
		a.report(id, n, q, "%s makes a network request", name)
	case "CDN605":
		a.facts.netSink = true
		a.report(id, n, q, "%s speaks a clear-text protocol", name)
	}
}

// otherRules: templates, SSH, native code, input capture.
func (a *analyzer) otherRules(c *call, id string) {
	t, n, q, name := a.t, c.n, c.q, c.name
	pos, kw := c.pos, c.kw
	arg := func(i int, name string) value { return a.arg(c, i, name) }
	switch id {
	case "CDN702":
		ae := arg(-1, "autoescape")
		if argNode(pos, kw, -1, "autoescape") == none || (ae.isNum && ae.num == 0) {
			a.report(id, n, q, "%s renders templates without HTML escaping", name)
		}
	case "CDN705":
		a.report(id, n, q, "%s: remote command or unchecked SSH host key", name)
	case "CDN801":
		fi := a.finding(id, n, fmt.Sprintf("%s calls into native code", name), q)
		last := q[strings.LastIndex(q, ".")+1:]
		if strings.HasPrefix(last, "c_") || last == "sizeof" || last == "byref" || last == "Structure" || last == "POINTER" {
			fi.Severity = medium
		}
		a.emit(fi)
	case "CDN802":
		fi := a.finding(id, n, fmt.Sprintf("%s loads or declares native code", name), q)
		if q == "cffi.FFI" {
			fi.Severity = medium
		}
		a.emit(fi)
	case "CDN803":
		if q == "mmap.mmap" && !strings.Contains(t.text(n), "PROT_EXEC") {
			return
		}
		a.report(id, n, q, "%s loads native code or maps executable memory", name)
	case "CDN902":
		a.sensitive(n) // captured input sent anywhere is exfiltration
		fi := a.finding(id, n, fmt.Sprintf("%s captures keystrokes, the screen or the clipboard", name), q)
		if !strings.Contains(q, "keyboard") && !strings.Contains(q, "Hook") && !strings.Contains(q, "mouse") {
			fi.Severity = medium
		}
		a.emit(fi)
	}
}

var weakHash = map[string]bool{"md5": true, "sha1": true, "sha": true, "md4": true, "md2": true}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// plainCommands are programs whose constant invocation through a shell is
// ordinary in scripts (clearing the screen, running pip or git).
var plainCommands = map[string]bool{"clear": true, "cls": true, "pause": true, "color": true, "title": true,
	"echo": true, "ls": true, "dir": true, "pwd": true, "date": true, "pip": true, "pip3": true, "python": true,
	"python3": true, "git": true, "make": true, "npm": true, "mkdir": true, "cp": true, "mv": true, "cat": true,
	"head": true, "tail": true, "grep": true, "wc": true, "sort": true, "touch": true, "true": true, "xdg-open": true,
	"notify-send": true, "say": true, "espeak": true, "ffmpeg": true, "convert": true, "pdflatex": true, "latex": true,
	"gcc": true, "g++": true, "javac": true, "java": true, "go": true, "cargo": true, "zip": true, "unzip": true,
	"tar": true, "sleep": true, "tput": true, "stty": true, "reset": true, "open": true, "start": true, "cd": true,
	"pytest": true, "black": true, "flake8": true, "mypy": true, "node": true, "code": true, "less": true, "more": true}

// shellCommand reports a command line run by a shell: high unless it is a
// constant running one ordinary program (os.system("clear")).
func (a *analyzer) shellCommand(id string, n int32, q, name string, cmd value, what string) {
	fi := a.finding(id, n, fmt.Sprintf("%s %s", name, what), q)
	if plainCommand(cmd) {
		fi.Severity = medium
		fi.Message += fmt.Sprintf(" (constant command %q)", cmd.str)
	}
	a.emit(fi)
}

// plainCommand says whether cmd is a constant command line running one
// ordinary program with no shell syntax ("clear", "make test").
func plainCommand(cmd value) bool {
	return cmd.isStr && !cmd.obf && cmd.decoded == "" && !strings.ContainsAny(cmd.str, "|;&`$<>(){}\n") &&
		plainCommands[strings.ToLower(program(cmd))] && !hasAny(strings.ToLower(cmd.str), commandHints) && len(cmd.str) < 200
}

// checkExec handles exec/eval of value v.
func (a *analyzer) checkExec(n int32, name string, v value) {
	switch {
	case v.decoded != "":
		a.report("CDN106", n, name, "%s of data decoded by %s", name, v.decoded)
	case v.code && !v.isStr:
		fi := a.finding("CDN102", n, fmt.Sprintf("%s of a compiled code object", name), name)
		fi.Severity = high
		a.emit(fi)
	case v.isStr:
		if v.obf {
			a.report("CDN101", n, name, "%s of a string assembled to hide its content", name)
		} else {
			a.report("CDN108", n, name, "%s of a constant string", name)
		}
	default:
		a.report("CDN101", n, name, "%s of code that is not a constant", name)
	}
	if v.isStr {
		a.payload(n, name, v.str)
	}
}

// payload analyses code found in a string handed to exec/eval.
func (a *analyzer) payload(n int32, name, code string) {
	if a.depth >= maxPayloadDepth || len(code) == 0 {
		return
	}
	// Each distinct payload once, and all payloads together bounded, so a
	// file cannot make the analyzer parse the same large string per call.
	if a.shared.payloads[code] {
		return
	}
	if a.shared.budget -= len(code); a.shared.budget < 0 {
		fi := a.finding("CDN001", n, fmt.Sprintf("code passed to %s was not analysed: payload analysis bound reached", name), name)
		a.emit(fi)
		return
	}
	a.shared.payloads[code] = true
	at := a.finding("CDN108", n, "", name)
	sub := &analyzer{ctx: a.ctx, rep: a.rep, payloadAt: &at, shared: a.shared}
	if a.payloadAt != nil {
		sub.payloadAt = a.payloadAt
	}
	before := len(a.rep.SyntaxErrors)
	_ = sub.run([]byte(code), a.depth+1)
	// Syntax errors and their findings inside a payload say nothing
	// about the outer file's syntax (eval takes expressions).
	a.rep.SyntaxErrors = a.rep.SyntaxErrors[:before]
	out := a.rep.Findings[:0]
	for _, f := range a.rep.Findings {
		if (f.Rule == "CDN002" || f.Rule == "CDN001") && strings.HasPrefix(f.Message, "in code run by") {
			continue
		}
		out = append(out, f)
	}
	a.rep.Findings = out
	a.facts.netSink = a.facts.netSink || sub.facts.netSink
	a.facts.sensitive = a.facts.sensitive || sub.facts.sensitive
	a.facts.shell = a.facts.shell || sub.facts.shell
}

func (a *analyzer) checkExecStatement(n int32, f frame) {
	code := a.t.child(n, "code")
	a.checkExec(n, "exec", a.eval(code, f.sc, 0))
}

// recon lists calls that identify the host or user.
var recon = map[string]bool{"getpass.getuser": true, "socket.gethostname": true, "platform.node": true,
	"platform.uname": true, "os.getlogin": true, "uuid.getnode": true, "os.uname": true, "socket.gethostbyname": true}

var walkers = map[string]bool{"os.walk": true, "os.scandir": true, "os.listdir": true, "glob.glob": true, "glob.iglob": true}

// collectFacts records what file-level rules combine, and the loop-shaped
// network floods.
func (a *analyzer) collectFacts(n int32, q, method string, f frame) {
	switch {
	case recon[q]:
		a.facts.recon = true
	case walkers[q] || method == "rglob" || method == "walk":
		a.facts.walk = true
	case method == "encrypt" || q == "cryptography.fernet.Fernet" || strings.HasPrefix(q, "Crypto.Cipher.") || strings.HasPrefix(q, "Cryptodome.Cipher.") || strings.HasPrefix(q, "pyAesCrypt.encrypt"):
		a.facts.crypt = true
	}
	if f.infinite && f.bomb && f.tiny {
		switch method {
		case "send", "sendto", "sendall", "get", "post", "urlopen", "connect", "write":
			a.report("CDN207", n, q, "%s inside an unbounded loop that never waits: flood", method)
		case "append", "extend":
			a.report("CDN207", n, q, "%s inside an unbounded loop that never waits: memory exhaustion", method)
		}
	}
}

// checkBinop: huge constant allocations ("x" * 10**10) and power towers.
func (a *analyzer) checkBinop(n int32, sc *scope) {
	t := a.t
	op := strings.TrimSpace(t.text(t.child(n, "operator")))
	ln, rn := t.child(n, "left"), t.child(n, "right")
	switch op {
	case "*":
		l, r := a.eval(ln, sc, 0), a.eval(rn, sc, 0)
		seq := func(k int32, v value) bool {
			kk := t.kind(k)
			return v.isStr || v.isList || kk == "list" || kk == "string" || kk == "tuple"
		}
		count := int64(0)
		switch {
		case seq(ln, l) && r.isNum:
			count = r.num
		case seq(rn, r) && l.isNum:
			count = l.num
		}
		if count >= 1<<30 {
			a.report("CDN207", n, "", "builds a sequence of %d or more elements: memory exhaustion", int64(1)<<30)
		}
	case "**":
		r := a.eval(rn, sc, 0)
		if r.isNum && r.num >= 1_000_000 || t.kind(rn) == "binary_operator" && strings.TrimSpace(t.text(t.child(rn, "operator"))) == "**" && a.eval(rn, sc, 0).num >= 1_000_000 {
			a.report("CDN207", n, "", "power with an exponent of a million or more: CPU and memory exhaustion")
		}
	}
}

// checkMethodCall covers rules keyed on a method name whatever the object:
// SQL execute, Flask-style run(debug=True), paramiko policies, s.start()
// spawn loops.
func (a *analyzer) checkMethodCall(n int32, method, q string, pos []int32, kw map[string]int32, arg func(int, string) value) {
	t := a.t
	switch method {
	case "execute", "executemany", "executescript", "raw", "mogrify":
		if len(pos) == 0 {
			return
		}
		s := pos[0]
		if a.sqlBuilt(s) || arg(0, "").sql {
			a.report("CDN701", n, q, "SQL built from strings passed to %s; use query parameters", method)
		}
	case "run":
		if d := arg(-1, "debug"); d.isNum && d.num != 0 {
			a.report("CDN704", n, q, "web application run with debug=True")
		}
	case "set_missing_host_key_policy":
		if strings.Contains(t.text(argNode(pos, kw, 0, "")), "AutoAddPolicy") {
			a.report("CDN705", n, q, "SSH client accepts unknown host keys (AutoAddPolicy)")
		}
	case "exec_command":
		if strings.Contains(q, "paramiko") || strings.Contains(q, "SSHClient") {
			return // in the table
		}
	case "chmod":
		if !strings.HasPrefix(q, "os.") {
			a.checkMode(n, q, arg(0, "mode"))
		}
	case "wrap_socket":
		if c := argNode(pos, kw, -1, "cert_reqs"); c != none && strings.Contains(t.text(c), "CERT_NONE") {
			a.report("CDN403", n, q, "TLS without certificate verification (cert_reqs=CERT_NONE)")
		}
	case "connect", "sendall", "send", "sendto":
		if strings.HasPrefix(q, "socket.") {
			a.facts.netSink = true
		}
	}
}

// sqlBuilt says whether node s builds SQL from strings.
func (a *analyzer) sqlBuilt(s int32) bool {
	t := a.t
	switch t.kind(s) {
	case "binary_operator":
		op := strings.TrimSpace(t.text(t.child(s, "operator")))
		if op != "%" && op != "+" {
			return false
		}
		return sqlRe.MatchString(a.leftmostText(s))
	case "string":
		if _, _, ok := t.stringValue(s); !ok { // f-string
			return sqlRe.MatchString(stripQuotes(t.text(s)))
		}
	case "call":
		fn := t.child(s, "function")
		if t.kind(fn) == "attribute" && a.ident(t.child(fn, "attribute")) == "format" {
			return sqlRe.MatchString(stripQuotes(t.text(t.child(fn, "object"))))
		}
	}
	return false
}

func (a *analyzer) leftmostText(s int32) string {
	t := a.t
	for i := 0; i < maxEvalDepth && t.kind(s) == "binary_operator"; i++ {
		s = t.child(s, "left")
	}
	return stripQuotes(t.text(s))
}

func stripQuotes(s string) string {
	s = strings.TrimLeft(s, "rRbBuUfF")
	return strings.Trim(s, `'"`)
}

func (a *analyzer) checkMode(n int32, q string, mode value) {
	if !mode.isNum {
		return
	}
	m := mode.num
	switch {
	case m&0o002 != 0 || m&0o6000 != 0:
		a.report("CDN504", n, q, "chmod to %#o: world-writable or set-id", m)
	case m&0o020 != 0:
		fi := a.finding("CDN504", n, fmt.Sprintf("chmod to %#o: group-writable", m), q)
		fi.Severity = medium
		a.emit(fi)
	}
}

func isSystemPath(p string) bool {
	p = strings.TrimRight(p, "/")
	switch p {
	case "", "~", "/etc", "/usr", "/bin", "/sbin", "/lib", "/lib64", "/boot", "/var", "/home", "/root", "/opt", "/srv", "/dev", "/sys", "/proc", "C:", `C:\`, `C:\Windows`, "/*", "~/", "$HOME":
		return true
	}
	if rest, ok := strings.CutPrefix(p, "~/"); ok && homeData[rest] {
		return true
	}
	return strings.HasPrefix(p, "/etc/") || strings.HasPrefix(p, "/boot/") || strings.HasPrefix(p, "/usr/") || strings.HasPrefix(p, "/bin/")
}

// homeData are the directories of the home directory that hold a user's
// data and keys.
var homeData = map[string]bool{"Documents": true, "Desktop": true, "Pictures": true, "Downloads": true, "Music": true,
	"Videos": true, "Projects": true, "src": true, ".ssh": true, ".gnupg": true, ".config": true, ".local": true,
	".local/share": true, ".mozilla": true, ".aws": true, ".kube": true}
