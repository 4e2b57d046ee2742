package analysis

import (
	"path"
	"strings"
)

const maxListLen = 256

// maxConstLen bounds a folded constant string: `a = a + a` repeated must
// not double a string until memory runs out.
const maxConstLen = 1 << 20

// eval returns what is statically known about expression n.
func (a *analyzer) eval(n int32, sc *scope, d int) value {
	t := a.t
	if n == none || d > maxEvalDepth {
		return value{}
	}
	switch t.kind(n) {
	case "identifier":
		name := a.ident(n)
		if v, ok := sc.lookup(name); ok {
			return v
		}
		switch name {
		case "__builtins__":
			return value{ns: true, qual: "builtins"}
		case "__name__":
			return value{isStr: true, str: "__main__"}
		}
		return qualOf("builtins." + name)
	case "attribute":
		obj := a.eval(t.child(n, "object"), sc, d+1)
		return a.attr(obj, a.ident(t.child(n, "attribute")))
	case "call":
		return a.evalCall(n, sc, d)
	case "string":
		s, _, ok := t.stringValue(n)
		if !ok {
			return a.evalFString(n, sc, d)
		}
		return value{isStr: true, str: s}
	case "dictionary":
		return a.evalDict(n, sc, d)
	case "concatenated_string":
		var b strings.Builder
		for _, c := range t.namedChildren(n) {
			v := a.eval(c, sc, d+1)
			if !v.isStr {
				return value{}
			}
			b.WriteString(v.str)
			if b.Len() > maxConstLen {
				return value{}
			}
		}
		return value{isStr: true, str: b.String()}
	case "integer":
		if v, ok := intValue(t.text(n)); ok {
			return value{isNum: true, num: v}
		}
	case "true":
		return value{isNum: true, num: 1}
	case "false", "none":
		return value{isNum: true, num: 0}
	case "parenthesized_expression", "await":
		if ch := t.namedChildren(n); len(ch) == 1 {
			return a.eval(ch[0], sc, d+1)
		}
	case "named_expression":
		return a.eval(t.child(n, "value"), sc, d+1)
	case "binary_operator":
		return a.binop(n, sc, d)
	case "unary_operator":
		v := a.eval(t.child(n, "argument"), sc, d+1)
		if v.isNum && strings.HasPrefix(t.text(n), "-") {
			return value{isNum: true, num: -v.num}
		}
		return value{}
	case "subscript":
		return a.evalSubscript(n, sc, d)
	case "list", "tuple", "expression_list", "set":
		kids := t.namedChildren(n)
		if len(kids) > maxListLen {
			return value{}
		}
		v := value{isList: true}
		for _, c := range kids {
			e := a.eval(c, sc, d+1)
			v.list = append(v.list, e)
			v = v.mergeTaint(e)
		}
		return v
	case "conditional_expression":
		// Either branch may run: keep taint from both.
		var v value
		for _, c := range t.namedChildren(n) {
			v = v.mergeTaint(a.eval(c, sc, d+1))
		}
		return v
	case "list_comprehension", "generator_expression", "set_comprehension":
		body := t.child(n, "body")
		inner := newScope(sc)
		for c := t.nodes[n].first; c != none; c = t.nodes[c].next {
			if t.kind(c) == "for_in_clause" {
				a.bindTarget(t.child(c, "left"), elemOf(a.eval(t.child(c, "right"), inner, d+1)), inner)
			}
		}
		e := a.eval(body, inner, d+1)
		v := e.taint()
		v.obf = e.obf
		return v
	}
	return value{}
}

// attr resolves obj.name.
func (a *analyzer) attr(obj value, name string) value {
	if obj.cls != nil {
		v, ok := obj.cls.vars[name]
		if !ok {
			return value{}
		}
		if v.fn != nil && v.fn.cls != nil && !v.fn.bound {
			fd := *v.fn
			fd.bound = true
			v.fn = &fd
		}
		return v
	}
	switch name {
	case "f_back", "gi_frame", "cr_frame", "ag_frame", "tb_frame", "tb_next":
		return value{frame: true}
	case "f_globals", "f_locals":
		if obj.frame {
			return value{ns: true}
		}
	case "f_builtins":
		return value{ns: true, qual: "builtins"}
	case "__code__", "gi_code", "cr_code", "f_code", "func_code":
		return value{code: true}
	}
	switch {
	case name == "__dict__" && (obj.qual != "" || obj.ns):
		return value{ns: true, qual: obj.qual}
	case obj.ns && obj.qual == "builtins":
		return qualOf("builtins." + name)
	case obj.qual == "builtins":
		return qualOf("builtins." + name)
	case obj.qual != "":
		q := canonical(obj.qual + "." + name)
		v := value{qual: q, dynamic: obj.dynamic, socket: obj.socket}
		if q == "os.environ" || q == "os.environb" {
			v.env = true
		}
		if n, ok := statConsts[q]; ok {
			v.isNum, v.num = true, n
		}
		return v
	}
	return value{decoded: obj.decoded, socket: obj.socket, env: obj.env, hostPath: obj.hostPath}
}

var statConsts = map[string]int64{
	"stat.S_ISUID": 0o4000, "stat.S_ISGID": 0o2000, "stat.S_ISVTX": 0o1000,
	"stat.S_IRWXU": 0o700, "stat.S_IRUSR": 0o400, "stat.S_IWUSR": 0o200, "stat.S_IXUSR": 0o100,
	"stat.S_IRWXG": 0o70, "stat.S_IRGRP": 0o40, "stat.S_IWGRP": 0o20, "stat.S_IXGRP": 0o10,
	"stat.S_IRWXO": 0o7, "stat.S_IROTH": 0o4, "stat.S_IWOTH": 0o2, "stat.S_IXOTH": 0o1,
}

func (a *analyzer) binop(n int32, sc *scope, d int) value {
	t := a.t
	l := a.eval(t.child(n, "left"), sc, d+1)
	r := a.eval(t.child(n, "right"), sc, d+1)
	op := strings.TrimSpace(t.text(t.child(n, "operator")))
	taint := l.taint().mergeTaint(r.taint())
	taint.obf = l.obf || r.obf
	// What the result is: a path keeps the root of its left side, SQL and
	// formatted text stay so whatever is added.
	taint.hostPath = pathClass(l)
	taint.sql = l.sql || l.isStr && (op == "+" || op == "%") && sqlRe.MatchString(l.str)
	taint.built = l.built || r.built || (op == "+" || op == "%") && (l.isStr != r.isStr)
	switch op {
	case "+":
		if l.isStr && r.isStr && len(l.str)+len(r.str) <= maxConstLen {
			taint.isStr, taint.str = true, l.str+r.str
			taint.built, taint.hostPath = l.built || r.built, l.hostPath
			return taint
		}
		if l.isList && r.isList && len(l.list)+len(r.list) <= maxListLen {
			return value{isList: true, list: append(append([]value(nil), l.list...), r.list...)}
		}
		if l.isNum && r.isNum {
			return value{isNum: true, num: l.num + r.num}
		}
	case "/":
		// Path("~") / "Documents"
		if l.isStr && r.isStr && len(l.str)+len(r.str) < 4096 {
			taint.isStr, taint.str, taint.hostPath = true, path.Join(l.str, r.str), 0
			return taint
		}
	case "|":
		if l.isNum && r.isNum {
			return value{isNum: true, num: l.num | r.num}
		}
	case "*":
		if l.isNum && r.isNum && mulFits(l.num, r.num) {
			return value{isNum: true, num: l.num * r.num}
		}
	case "**":
		if l.isNum && r.isNum && r.num >= 0 {
			p := int64(1)
			for i := int64(0); i < r.num; i++ {
				if !mulFits(p, l.num) {
					return value{isNum: true, num: 1 << 62}
				}
				p *= l.num
			}
			return value{isNum: true, num: p}
		}
	case "%":
		if l.isStr && r.isStr && strings.Count(l.str, "%s") == 1 && len(l.str)+len(r.str) <= maxConstLen {
			taint.isStr, taint.str = true, strings.Replace(l.str, "%s", r.str, 1)
			taint.built, taint.hostPath = l.built || r.built, 0
			return taint
		}
		if l.isStr {
			taint.built = true
			taint.hostPath = rootClass(strings.SplitN(l.str, "%", 2)[0])
		}
	}
	return taint
}

func (a *analyzer) evalSubscript(n int32, sc *scope, d int) value {
	t := a.t
	base := a.eval(t.child(n, "value"), sc, d+1)
	keyNode := t.child(n, "subscript")
	if t.kind(keyNode) == "slice" {
		if base.isStr && strings.ReplaceAll(t.text(keyNode), " ", "") == "::-1" {
			return value{isStr: true, str: reverseString(base.str), obf: true, decoded: base.decoded}
		}
		return base.taint()
	}
	return a.index(base, a.eval(keyNode, sc, d+1), sc)
}

// index is base[key].
func (a *analyzer) index(base, key value, sc *scope) value {
	switch {
	case base.isDict && key.isStr:
		if v, ok := base.dict[key.str]; ok {
			return v
		}
		return base.taint()
	case (base.isDict || base.isList) && !key.isStr && !key.isNum:
		v := base.taint()
		if c := constChoices(base, value{isStr: true}); len(c) > 1 {
			v.oneOf = c[1:]
		}
		return v
	case base.frame:
		return value{frame: true}
	case base.env && key.isStr && (key.str == "HOME" || key.str == "USERPROFILE"):
		return value{isStr: true, str: "~"}
	case base.ns:
		if !key.isStr {
			return value{dynamic: true, qual: "<dynamic>"}
		}
		switch base.qual {
		case "":
			if v, ok := sc.lookup(key.str); ok {
				return v
			}
			if key.str == "__builtins__" {
				return value{ns: true, qual: "builtins"}
			}
			return qualOf("builtins." + key.str)
		default:
			return a.attr(qualOf(base.qual), key.str)
		}
	case base.qual == "sys.modules" && key.isStr:
		return qualOf(canonical(key.str))
	case base.isList && key.isNum && key.num >= 0 && int(key.num) < len(base.list):
		return base.list[key.num]
	case base.isStr && key.isNum && key.num >= 0 && int(key.num) < len(base.str):
		return value{isStr: true, str: base.str[key.num : key.num+1], obf: true}
	}
	v := base.taint()
	v.env = false
	return v
}

// callArgs splits a call's arguments into positional nodes and keywords.
func (a *analyzer) callArgs(n int32) (pos []int32, kw map[string]int32) {
	t := a.t
	args := t.child(n, "arguments")
	if args == none {
		return nil, nil
	}
	if t.kind(args) == "generator_expression" {
		return []int32{args}, nil
	}
	for _, c := range t.namedChildren(args) {
		switch t.kind(c) {
		case "keyword_argument":
			if kw == nil {
				kw = map[string]int32{}
			}
			kw[a.ident(t.child(c, "name"))] = t.child(c, "value")
		case "dictionary_splat":
			// f(**{"shell": True}) is f(shell=True).
			for _, d := range t.namedChildren(c) {
				if t.kind(d) != "dictionary" {
					continue
				}
				for _, pr := range t.namedChildren(d) {
					k := t.child(pr, "key")
					if t.kind(k) != "string" {
						continue
					}
					if ks, _, ok := t.stringValue(k); ok {
						if kw == nil {
							kw = map[string]int32{}
						}
						kw[ks] = t.child(pr, "value")
					}
				}
			}
		case "comment", "list_splat":
		default:
			pos = append(pos, c)
		}
	}
	return pos, kw
}

func argNode(pos []int32, kw map[string]int32, i int, name string) int32 {
	if name != "" {
		if n, ok := kw[name]; ok {
			return n
		}
	}
	if i >= 0 && i < len(pos) {
		return pos[i]
	}
	return none
}

// encoders turn data into text that fits in names and URLs.
var encoders = map[string]bool{
	"base64.b64encode": true, "base64.b32encode": true, "base64.b16encode": true, "base64.urlsafe_b64encode": true,
	"base64.b85encode": true, "base64.a85encode": true, "base64.b32hexencode": true, "base64.standard_b64encode": true,
	"base64.encodebytes": true, "binascii.hexlify": true, "binascii.b2a_hex": true, "binascii.b2a_base64": true,
	"codecs.encode": true, "urllib.parse.quote": true, "urllib.parse.quote_plus": true,
}

var decoders = map[string]bool{
	"base64.b64decode": true, "base64.b32decode": true, "base64.b16decode": true, "base64.b85decode": true,
	"base64.a85decode": true, "base64.urlsafe_b64decode": true, "base64.standard_b64decode": true,
	"base64.decodebytes": true, "base64.decodestring": true, "base64.b32hexdecode": true,
	"binascii.a2b_base64": true, "binascii.unhexlify": true, "binascii.a2b_hex": true, "binascii.a2b_uu": true,
	"bytes.fromhex": true, "bytearray.fromhex": true, "codecs.decode": true, "zlib.decompress": true,
	"gzip.decompress": true, "bz2.decompress": true, "lzma.decompress": true, "marshal.loads": true,
	"codecs.getdecoder": true, "binascii.a2b_qp": true, "quopri.decodestring": true, "uu.decode": true,
	"zlib.decompressobj().decompress": true, "builtins.bytes.fromhex": true, "builtins.bytearray.fromhex": true,
}

// evalCall resolves the value a call returns.
func (a *analyzer) evalCall(n int32, sc *scope, d int) value {
	t := a.t
	fn := t.child(n, "function")
	pos, kw := a.callArgs(n)
	arg := func(i int, name string) value { return a.eval(argNode(pos, kw, i, name), sc, d+1) }
	// Methods on constants: "...".decode(), "".join([...]), "x".replace(a, b).
	if t.kind(fn) == "attribute" {
		obj := a.eval(t.child(fn, "object"), sc, d+1)
		m := a.ident(t.child(fn, "attribute"))
		if obj.isStr {
			if v, ok := a.strMethod(obj, m, pos, kw, sc, d); ok {
				return v
			}
		}
		if v, ok := a.methodValue(obj, m, pos, kw, sc, d); ok {
			return v
		}
		if m == "__getattribute__" && obj.known() {
			// os.__getattribute__("system") is os.system.
			if name := arg(0, ""); name.isStr {
				return a.attr(obj, name.str)
			}
			return value{dynamic: true, qual: "<dynamic>"}
		}
		if obj.qual == "" && !obj.ns && obj.cls == nil {
			// Method of something unknown: keep its taint.
			v := obj.taint()
			v.env = obj.env && (m == "copy" || m == "items")
			return v
		}
	}
	cv := a.eval(fn, sc, d+1)
	switch {
	case cv.fn != nil:
		return a.callLocal(cv.fn, n, sc, d)
	case cv.cls != nil:
		return value{cls: cv.cls}
	case cv.getter != nil:
		return a.applyGetter(cv.getter, arg(0, ""), sc)
	}
	q := canonical(cv.qual)
	switch q {
	case "operator.attrgetter", "operator.itemgetter", "operator.methodcaller":
		if v := arg(0, ""); v.isStr {
			return value{getter: &getter{kind: q[len("operator.")], name: v.str}}
		}
		return value{}
	case "functools.partial":
		f := arg(0, "func")
		f.kwBound = a.kwValues(n, sc, d)
		return f
	case "builtins.type":
		if a0 := argNode(pos, kw, 0, ""); a0 != none && len(pos) == 1 {
			if t.kind(a0) == "lambda" {
				return qualOf("types.FunctionType")
			}
			switch v := a.eval(a0, sc, d+1); {
			case v.fn != nil:
				return qualOf("types.FunctionType")
			case v.code:
				return qualOf("types.CodeType")
			}
		}
	case "sys._getframe", "inspect.currentframe", "inspect.stack", "inspect.trace", "inspect.getouterframes",
		"inspect.getinnerframes", "traceback.walk_stack", "traceback.walk_tb":
		return value{frame: true}
	case "shlex.split":
		if v := arg(0, "s"); v.isStr && len(v.str) < 4096 {
			return wordList(v.str)
		}
	case "builtins.list", "builtins.tuple", "builtins.set", "builtins.sorted", "builtins.iter":
		if v := arg(0, ""); v.isList || hasTaint(v) || v.localCls {
			return v
		}
	case "shutil.which":
		if v := arg(0, "cmd"); v.isStr {
			return v
		}
	case "builtins.int", "builtins.float", "builtins.abs":
		if v := arg(0, ""); v.isNum {
			return v
		} else {
			return value{pids: v.pids}
		}
	case "os.listdir", "os.scandir", "os.walk", "os.fwalk", "glob.glob", "glob.iglob":
		v := arg(0, "")
		out := value{qual: q + "()", hostPath: pathClass(v), member: v.member, walked: true}
		out.pids = v.pids || v.isStr && strings.TrimRight(v.str, "/") == "/proc"
		// glob.glob("/proc/[0-9]*") and os.scandir("/proc") yield paths.
		out.procPath = v.isStr && (strings.HasPrefix(v.str, "/proc/") && q != "os.listdir" || q == "os.scandir" && out.pids)
		return out
	case "builtins.__import__", "importlib.import_module", "importlib.__import__":
		name := arg(0, "name")
		if !name.isStr {
			return value{dynamic: true, qual: "<dynamic>"}
		}
		mod := canonical(name.str)
		if q == "builtins.__import__" && len(pos) < 4 {
			mod = strings.SplitN(mod, ".", 2)[0]
		}
		return value{qual: mod, dynamic: name.obf}
	case "builtins.getattr":
		obj := arg(0, "")
		name := arg(1, "")
		if !name.isStr {
			if obj.known() {
				return value{dynamic: true, qual: "<dynamic>"}
			}
			return value{}
		}
		if obj.ns {
			return a.attr(value{ns: true, qual: obj.qual}, name.str)
		}
		if obj.qual == "" {
			if obj.isStr && (name.str == "decode" || name.str == "join") {
				return value{}
			}
			return value{decoded: obj.decoded, socket: obj.socket}
		}
		v := a.attr(obj, name.str)
		v.dynamic = v.dynamic || name.obf
		return v
	case "builtins.globals", "builtins.locals":
		return value{ns: true}
	case "builtins.vars":
		if len(pos) == 0 {
			return value{ns: true}
		}
		o := arg(0, "")
		return value{ns: true, qual: o.qual}
	case "builtins.chr":
		if v := arg(0, ""); v.isNum && v.num >= 0 && v.num < 0x110000 {
			return value{isStr: true, str: string(rune(v.num)), obf: true}
		}
	case "builtins.str", "builtins.bytes", "builtins.bytearray":
		v := arg(0, "")
		out := v.taint()
		out.isStr, out.str, out.obf = v.isStr, v.str, v.obf
		return out
	case "builtins.dict":
		v := arg(0, "")
		out := value{env: v.env, isDict: true, dict: map[string]value{}}
		for k, e := range v.dict {
			out.dict[k] = e
		}
		for k, e := range a.kwValues(n, sc, d) {
			out.dict[k] = e
		}
		return out
	case "builtins.map":
		f := arg(0, "")
		l := arg(1, "")
		if f.qual == "builtins.chr" && l.isList {
			out := value{isList: true, obf: true}
			for _, e := range l.list {
				if !e.isNum || e.num < 0 || e.num >= 0x110000 {
					return value{obf: true}
				}
				out.list = append(out.list, value{isStr: true, str: string(rune(e.num)), obf: true})
			}
			return out
		}
		return value{obf: f.qual == "builtins.chr"}
	case "builtins.reversed":
		v := arg(0, "")
		if v.isStr {
			return value{isStr: true, str: reverseString(v.str), obf: true}
		}
	case "builtins.compile":
		v := arg(0, "source")
		return value{code: true, isStr: v.isStr, str: v.str, decoded: v.decoded}
	case "marshal.loads", "marshal.load":
		return value{code: true, decoded: q}
	case "os.path.expanduser", "os.path.expandvars", "os.path.abspath", "os.path.normpath", "pathlib.Path", "pathlib.Path.home", "os.path.join", "os.getenv", "os.environ.get":
		return a.foldPath(q, pos, kw, sc, d)
	}
	if encoders[q] {
		v := arg(0, "").taint()
		v.encoded = true
		return v
	}
	if decoders[q] {
		in := arg(0, "")
		out := value{decoded: q}
		if in.isStr {
			if s, ok := decodeConst(q, in.str, arg(1, "encoding")); ok {
				out.isStr, out.str = true, s
			}
		}
		return out
	}
	if q == "" || q == "<dynamic>" {
		return value{dynamic: cv.dynamic}
	}
	v := value{qual: q + "()", dynamic: cv.dynamic}
	if strings.HasPrefix(q, "socket.") || q == "socket.socket().accept" {
		v.socket = true
	}
	if q == "os.environ.copy" || q == "os.environ.items" {
		v.env = true
	}
	return v
}

// strMethod evaluates a method call on a constant string.
func (a *analyzer) strMethod(obj value, m string, pos []int32, kw map[string]int32, sc *scope, d int) (value, bool) {
	arg := func(i int) value { return a.eval(argNode(pos, kw, i, ""), sc, d+1) }
	keep := func(s string) value {
		return value{isStr: true, str: s, decoded: obj.decoded, obf: obj.obf}
	}
	switch m {
	case "decode", "encode", "strip", "rstrip", "lstrip":
		if m == "decode" {
			if enc := arg(0); enc.isStr {
				if s, ok := decodeConst("codecs.decode", obj.str, enc); ok {
					return value{isStr: true, str: s, decoded: "codecs.decode", obf: obj.obf}, true
				}
			}
		}
		if strings.HasSuffix(m, "strip") {
			return keep(strings.TrimSpace(obj.str)), true
		}
		return keep(obj.str), true
	case "lower":
		return keep(strings.ToLower(obj.str)), true
	case "upper":
		return keep(strings.ToUpper(obj.str)), true
	case "replace":
		o, nw := arg(0), arg(1)
		if o.isStr && nw.isStr && o.str != "" && int64(len(obj.str))*int64(max(1, len(nw.str))) <= maxConstLen {
			v := keep(strings.ReplaceAll(obj.str, o.str, nw.str))
			v.obf = true
			return v, true
		}
	case "join":
		l := arg(0)
		if l.isList {
			parts := make([]string, 0, len(l.list))
			total := 0
			for _, e := range l.list {
				total += len(e.str) + len(obj.str)
				if !e.isStr || total > maxConstLen {
					v := l.taint()
					v.obf, v.built = true, true
					return v, true
				}
				parts = append(parts, e.str)
			}
			return value{isStr: true, str: strings.Join(parts, obj.str), obf: true, decoded: l.decoded}, true
		}
		v := l.taint()
		v.obf = l.obf
		return v, true
	}
	return value{}, false
}

// foldPath folds path helpers over constants, so that
// shutil.rmtree(os.path.expanduser("~")) and
// open(os.path.join(os.getenv("HOME"), ".ssh", "id_rsa")) are seen.
func (a *analyzer) foldPath(q string, pos []int32, kw map[string]int32, sc *scope, d int) value {
	var parts []string
	var tv, first value
	unknown := false
	for i, p := range pos {
		v := a.eval(p, sc, d+1)
		if i == 0 {
			first = v
		}
		tv = tv.mergeTaint(v.taint())
		if !v.isStr {
			unknown = true
		}
		parts = append(parts, v.str)
	}
	if unknown {
		if q == "os.getenv" || q == "os.environ.get" {
			return value{}
		}
		// A computed path keeps where it starts and what went in.
		tv.env, tv.sql = false, false
		tv.hostPath = pathClass(first)
		tv.built = len(pos) > 1
		return tv
	}
	switch q {
	case "os.getenv", "os.environ.get":
		if len(parts) > 0 && (parts[0] == "HOME" || parts[0] == "USERPROFILE") {
			return value{isStr: true, str: "~"}
		}
		if len(parts) > 0 && (parts[0] == "APPDATA" || parts[0] == "LOCALAPPDATA") {
			return value{isStr: true, str: "%" + parts[0] + "%"}
		}
		return value{}
	case "pathlib.Path.home":
		return value{isStr: true, str: "~"}
	case "os.path.join", "pathlib.Path":
		if len(parts) == 0 {
			return value{}
		}
		return value{isStr: true, str: path.Join(parts...)}
	}
	if len(parts) != 1 {
		return value{}
	}
	return value{isStr: true, str: parts[0]}
}

// mulFits says whether a*b stays well inside int64 (both non-negative).
func mulFits(a, b int64) bool {
	if a < 0 || b < 0 {
		return false
	}
	return a == 0 || b <= (1<<62)/a
}
