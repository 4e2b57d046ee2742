package analysis

// Values the resolver tracks for names and expressions. A value is what the
// analyzer knows statically: a qualified name (module, function, class or
// an instance of one), a constant string or integer, and taint flags.

type value struct {
	// qual is the dotted qualified name: "os", "os.system",
	// "builtins.exec"; an instance made by calling Q is "Q()".
	qual string
	str  string
	// isStr: str holds the constant (bytes are held as raw bytes).
	isStr bool
	num   int64
	isNum bool
	// dynamic: a name computed at run time was used to reach this value.
	dynamic bool
	// decoded names the decoder the data came out of ("base64.b64decode").
	decoded string
	// ns: a namespace mapping (globals(), vars(m), m.__dict__,
	// __builtins__); qual names its owner ("builtins", "os", "").
	ns bool
	// code: a code object from compile() or marshal.
	code bool
	// socket: derived from a socket (for fileno/dup2 tracking).
	socket bool
	// env: the whole process environment (os.environ and copies).
	env bool
	// obf: a constant assembled by obfuscating means (chr, reversal, join).
	obf bool
	// list holds element values of a constant list/tuple (bounded).
	list []value
	// isList: list is known.
	isList bool

	// Containers and definitions of this module (flow.go).

	// dict holds the values of a dict whose keys are constant strings.
	dict   map[string]value
	isDict bool
	// fn is a function defined in this module: calling it evaluates its
	// return value, and a call with telling arguments re-checks its body.
	fn *fnDef
	// cls is a class defined in this module, or an instance of it.
	cls *scope
	// getter is an operator.attrgetter/itemgetter/methodcaller.
	getter *getter
	// kwBound holds the keywords functools.partial bound.
	kwBound map[string]value

	// What the value is, whatever it is called (taints).

	// frame: a frame object or list of them (sys._getframe, gi_frame,
	// tb_frame, f_back, inspect.stack).
	frame bool
	// hostPath: a path computed under the home directory (1) or under the
	// root or a system directory (2).
	hostPath int8
	// pids: process ids from a listing (/proc, psutil.pids, range);
	// procPath: paths /proc/<pid> (Path("/proc").iterdir(), glob).
	pids, procPath bool
	// walked: a path from a directory listing or walk.
	walked bool
	// localCls: a class of this file or one of its subclasses
	// (Plugin.__subclasses__() and what it lists).
	localCls bool
	// member: names of archive members.
	member bool
	// sql: SQL text built by formatting or concatenation.
	sql bool
	// built: text formatted or concatenated from constants and data.
	built bool
	// encoded: data turned into text (hex, base64, base32).
	encoded bool
	// oneOf: the value is one of these constant strings (a lookup with a
	// computed key in a dict or list of constants).
	oneOf []string
}

// taint returns only the taint flags of v: what an element, a slice or a
// method result of v still is.
func (v value) taint() value {
	return value{decoded: v.decoded, socket: v.socket, env: v.env, frame: v.frame, hostPath: v.hostPath,
		pids: v.pids, procPath: v.procPath, walked: v.walked, localCls: v.localCls, member: v.member, sql: v.sql, built: v.built, encoded: v.encoded}
}

// mergeTaint adds w's taint flags to v.
func (v value) mergeTaint(w value) value {
	if v.decoded == "" {
		v.decoded = w.decoded
	}
	v.socket = v.socket || w.socket
	v.env = v.env || w.env
	v.frame = v.frame || w.frame
	v.hostPath = max(v.hostPath, w.hostPath)
	v.pids = v.pids || w.pids
	v.member = v.member || w.member
	v.walked = v.walked || w.walked
	v.encoded = v.encoded || w.encoded
	return v
}

func (v value) known() bool { return v.qual != "" || v.isStr || v.isNum || v.ns }

func qualOf(q string) value { return value{qual: q} }

// builtinName strips "builtins." for display.
func builtinName(q string) string {
	const p = "builtins."
	if len(q) > len(p) && q[:len(p)] == p {
		return q[len(p):]
	}
	return q
}

// moduleAliases maps implementation modules to the name the rules use.
var moduleAliases = map[string]string{
	"posix": "os", "nt": "os", "_posixsubprocess": "subprocess",
	"cPickle": "pickle", "_pickle": "pickle", "__builtin__": "builtins",
	"xml.etree.cElementTree": "xml.etree.ElementTree", "urllib2": "urllib.request",
	"_socket": "socket", "_ssl": "ssl", "_io": "io", "importlib._bootstrap": "importlib",
}

// canonical folds module aliases at the head of a qualified name.
func canonical(q string) string {
	for i := len(q); i > 0; i-- {
		if i < len(q) && q[i] != '.' {
			continue
		}
		if a, ok := moduleAliases[q[:i]]; ok {
			return a + q[i:]
		}
	}
	return q
}
