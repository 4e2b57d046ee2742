package analysis

import (
	"fmt"
	"regexp"
)

// shellSpawn reports a process call whose program is a shell. It is high,
// unless the whole argument list is constant and the shell only runs a
// script file of the project (["bash", "scripts/build.sh"]) or one ordinary
// constant command (["sh", "-c", "make"]) — the allowance os.system("clear")
// already gets. An interactive shell, a shell reading stdin, a command
// built at run time or a script under /tmp, /dev or /proc stays high.
func (a *analyzer) shellSpawn(n int32, q, name, prog string, argv value) {
	fi := a.finding("CDN205", n, fmt.Sprintf("%s starts a shell (%s)", name, prog), q)
	if why := constantShellUse(argv); why != "" {
		fi.Severity = medium
		fi.Message += " " + why
	}
	a.emit(fi)
}

var (
	// shellFlags are options that change neither where the commands come
	// from nor whether the shell is interactive.
	shellFlags = regexp.MustCompile(`^(-[euxvnf]+|--norc|--noprofile|--posix)$`)
	dashC      = regexp.MustCompile(`^-[euxvnf]*c[euxvnf]*$`)
	scriptFile = regexp.MustCompile(`^[\w.][\w./-]*\.(sh|bash)$|^\.?\.?/?[\w.-]+(/[\w.-]+)+$`)
	unsafeDir  = regexp.MustCompile(`^/?(tmp|var/tmp|dev|proc)/|(^|/)\.\./`)
)

func constantShellUse(argv value) string {
	if !argv.isList || len(argv.list) < 2 {
		return ""
	}
	args := make([]string, len(argv.list))
	for i, v := range argv.list {
		if !v.isStr || v.obf || v.decoded != "" {
			return ""
		}
		args[i] = v.str
	}
	i := 1
	for i < len(args) && shellFlags.MatchString(args[i]) {
		i++
	}
	if i+2 <= len(args) && dashC.MatchString(args[i]) {
		cmd := value{isStr: true, str: args[i+1]}
		if plainCommand(cmd) {
			return fmt.Sprintf("(constant command %q)", cmd.str)
		}
		return ""
	}
	if i < len(args) && scriptFile.MatchString(args[i]) && !unsafeDir.MatchString(args[i]) {
		return fmt.Sprintf("(runs the script file %q)", args[i])
	}
	return ""
}

// localClass says whether n is a name that the file binds once, by a class
// statement, and nowhere else (no assignment, import, loop or parameter
// can make it object or a class from elsewhere).
func (a *analyzer) localClass(n int32) bool {
	t := a.t
	if n == none || t.kind(n) != "identifier" {
		return false
	}
	name := a.ident(n)
	classes := 0
	for i := range t.nodes {
		id := int32(i)
		if t.kind(id) != "identifier" || a.ident(id) != name {
			continue
		}
		p := t.nodes[id].parent
		if p == none {
			continue
		}
		switch t.kind(p) {
		case "class_definition":
			if t.child(p, "name") == id {
				classes++
			}
		case "attribute", "call", "argument_list", "expression_statement", "comparison_operator",
			"subscript", "return_statement", "list", "tuple", "set", "pair", "binary_operator", "keyword_argument",
			"conditional_expression", "boolean_operator", "not_operator", "type", "default_parameter", "typed_default_parameter":
			// A use (or an attribute name, or a class's base): not a binding.
			if k := t.kind(p); (k == "keyword_argument" || k == "default_parameter" || k == "typed_default_parameter") && t.child(p, "name") == id {
				return false
			}
		default:
			// Assignments, imports, loop targets, parameters, global,
			// with/except/as targets, patterns: a second binding.
			return false
		}
	}
	return classes == 1
}

// fileObjects are calls whose result is a file, never a socket.
var fileObjects = map[string]bool{"builtins.open()": true, "io.open()": true, "os.fdopen()": true,
	"tempfile.TemporaryFile()": true, "tempfile.NamedTemporaryFile()": true, "sys.stdin": true,
	"sys.stdout": true, "sys.stderr": true, "sys.__stdin__": true, "sys.__stdout__": true, "sys.__stderr__": true}

// fileFileno says whether n is F.fileno() of an object known to be a file
// (open(os.devnull) in the daemon recipe), not a socket.
func (a *analyzer) fileFileno(n int32, sc *scope) bool {
	t := a.t
	if n == none || t.kind(n) != "call" {
		return false
	}
	fn := t.child(n, "function")
	if t.kind(fn) != "attribute" || a.ident(t.child(fn, "attribute")) != "fileno" {
		return false
	}
	v := a.eval(t.child(fn, "object"), sc, 0)
	return !v.socket && fileObjects[canonical(v.qual)]
}
