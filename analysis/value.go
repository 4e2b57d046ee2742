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
