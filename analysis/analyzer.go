package analysis

// The analyzer walks the copied tree once, in source order, with an
// explicit stack (never Go recursion over the tree). Function bodies are
// queued and walked after the module body so they see every module-level
// binding, as they would when called. Expression evaluation recurses but
// is capped at maxEvalDepth.

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

const (
	maxEvalDepth   = 64
	maxSyntaxErrs  = 20
	ctxCheckPeriod = 2048
	// maxTreeDepth is far past CPython's own limits (200 nested brackets,
	// 100 indentation levels) and past what any real program nests.
	maxTreeDepth = 600
)

// waitsRe spots loop bodies that block for work (servers, workers), which
// a fork bomb never does.
var waitsRe = regexp.MustCompile(`\.(accept|recv|recvfrom|get|wait|waitpid|join|read|readline|select|poll|communicate)\(|\b(sleep|input|waitpid|wait|select)\(|\bbreak\b|\breturn\b`)

type scope struct {
	vars   map[string]value
	parent *scope
	class  bool // a class body: its names are not visible in its methods
}

func newScope(parent *scope) *scope { return &scope{vars: map[string]value{}, parent: parent} }

func (s *scope) lookup(name string) (value, bool) {
	for ; s != nil; s = s.parent {
		if v, ok := s.vars[name]; ok {
			return v, true
		}
	}
	return value{}, false
}

type analyzer struct {
	ctx   context.Context
	rep   *Report
	t     *tree
	depth int // payload nesting (exec of strings)
	// payloadAt, for a nested payload, is where the outer exec call sits.
	payloadAt *Match
	// file-level facts for combination rules
	facts struct {
		netSink, sensitive, socket, dup2, shell     bool
		exec, fetch, crypt, walk, recon, ransomNote bool
		// overwrite: a walked path is written, renamed or removed.
		overwrite         bool
		netNode, sensNode int32
	}
	steps int
	// shared is common to a file's analyzer and its payload analyzers.
	shared *shared
	// dunderSeen avoids reporting one chain several times.
	dunderSeen map[int32]bool
	// inlining > 0 while a helper's body is re-checked or its return
	// value computed (one level: no deeper); quiet > 0 while nothing is
	// to be reported (pre-scans).
	inlining, quiet int
	// inlineBudget is how many nodes re-checking helpers may still visit.
	inlineBudget int
	// procCalls: whether the file calls anything that runs commands or
	// code (0 not yet known, 1 yes, -1 no).
	procCalls int8
}

type shared struct {
	budget   int // bytes of payload code still to analyse
	payloads map[string]bool
}

type frame struct {
	n        int32
	sc       *scope
	loop     bool // inside a loop
	infinite bool // inside a `while True` style loop
	bomb     bool // ... whose body is small and never waits
	tiny     bool // ... of at most three statements
}

func (a *analyzer) run(src []byte, depth int) error {
	t, err := parse(a.ctx, src)
	if err != nil {
		return err
	}
	a.t = t
	defer func() { a.t = nil; t.release() }()
	if a.shared == nil {
		a.shared = &shared{budget: max(1<<20, 2*len(src)), payloads: map[string]bool{}}
	}
	a.depth = depth
	a.dunderSeen = map[int32]bool{}
	a.scanSource()
	a.syntaxErrors()
	if t.maxDepth > maxTreeDepth && depth == 0 {
		a.emit(Match{Rule: "CDN001", Line: 1, Column: 1, EndLine: 1, EndColumn: 1,
			Message: fmt.Sprintf("syntax tree %d levels deep, past what CPython accepts and what the analyzer follows: not fully analysed", t.maxDepth)})
	}
	a.inlineBudget = max(inlineBudgetMin, 2*len(t.nodes))
	if err := a.walk([]frame{{n: 0, sc: newScope(nil)}}); err != nil {
		return err
	}
	a.combine()
	return nil
}

// walk applies the rules to the subtrees on stack, once per node, in
// source order; function bodies come after the code around them, so that
// they see every module-level binding.
func (a *analyzer) walk(stack []frame) error {
	t := a.t
	var deferred []frame
	for len(stack) > 0 || len(deferred) > 0 {
		if len(stack) == 0 {
			stack = append(stack, deferred[0])
			deferred = deferred[1:]
			continue
		}
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		a.steps++
		if a.steps%ctxCheckPeriod == 0 && a.ctx.Err() != nil {
			return a.ctx.Err()
		}
		n := f.n
		kind := t.kind(n)
		pushChildren := true
		switch kind {
		case "import_statement", "import_from_statement", "future_import_statement":
			a.bindImport(n, f.sc)
			pushChildren = false
		case "assignment", "augmented_assignment":
			a.assign(n, f.sc)
		case "named_expression":
			if nm := t.child(n, "name"); nm != none {
				f.sc.vars[a.ident(nm)] = a.eval(t.child(n, "value"), f.sc, 0)
			}
		case "function_definition":
			outer := f.sc
			for outer.class {
				outer = outer.parent
			}
			fd := &fnDef{n: n, sc: outer}
			if f.sc.class {
				fd.cls = f.sc
			}
			name := t.child(n, "name")
			if name != none {
				f.sc.vars[a.ident(name)] = value{fn: fd}
			}
			body := newScope(outer)
			params := t.child(n, "parameters")
			a.bindParams(params, body, f.sc)
			a.checkDefaults(params)
			if fd.cls != nil {
				if ps := t.namedChildren(params); len(ps) > 0 && t.kind(ps[0]) == "identifier" {
					body.vars[a.ident(ps[0])] = value{cls: fd.cls}
				}
			}
			for c := t.nodes[n].first; c != none; c = t.nodes[c].next {
				if t.fieldOf(c) == "body" {
					if a.inlining == 0 {
						deferred = append(deferred, frame{n: c, sc: body})
					}
				} else if t.fieldOf(c) != "name" {
					stack = append(stack, frame{n: c, sc: f.sc, loop: f.loop, infinite: f.infinite})
				}
			}
			pushChildren = false
		case "class_definition":
			cls := newScope(f.sc)
			cls.class = true
			if name := t.child(n, "name"); name != none {
				f.sc.vars[a.ident(name)] = value{cls: cls}
			}
			a.prescanClass(n, cls, f.sc)
			a.checkReduce(n, cls, f.sc)
			for c := t.nodes[n].first; c != none; c = t.nodes[c].next {
				sc := f.sc
				if t.fieldOf(c) == "body" {
					sc = cls
				}
				stack = append(stack, frame{n: c, sc: sc, loop: f.loop, infinite: f.infinite})
			}
			pushChildren = false
		case "list_comprehension", "set_comprehension", "dictionary_comprehension", "generator_expression":
			// The body comes first in the source but runs inside the
			// loops: bind the loop targets before walking it.
			sc := newScope(f.sc)
			for c := t.nodes[n].first; c != none; c = t.nodes[c].next {
				if t.kind(c) == "for_in_clause" {
					a.bindTarget(t.child(c, "left"), elemOf(a.eval(t.child(c, "right"), sc, 0)), sc)
				}
			}
			f.sc, f.loop = sc, true
		case "lambda":
			// map(lambda p: os.kill(int(p), 9), pids): the parameter is
			// each element, called in a loop.
			sc := newScope(f.sc)
			elem, each := a.lambdaElem(n, f.sc)
			for _, c := range t.namedChildren(t.child(n, "parameters")) {
				if t.kind(c) == "identifier" {
					sc.vars[a.ident(c)] = elem
				}
			}
			f.sc, f.loop = sc, f.loop || each
		case "for_statement", "for_in_clause":
			a.bindTarget(t.child(n, "left"), elemOf(a.eval(t.child(n, "right"), f.sc, 0)), f.sc)
			f.loop = true
		case "while_statement":
			f.loop = true
			if a.truthy(t.child(n, "condition"), f.sc) {
				f.infinite = true
				body := t.child(n, "body")
				f.bomb = t.nodes[body].end-t.nodes[body].start < 400 && !waitsRe.MatchString(t.text(body))
				f.tiny = len(t.namedChildren(body)) <= 3
			}
		case "as_pattern":
			if al := t.child(n, "alias"); al != none {
				var v value
				if ch := t.namedChildren(n); len(ch) > 0 {
					v = a.eval(ch[0], f.sc, 0)
				}
				a.bindTarget(al, v, f.sc)
			}
		case "except_clause":
			// `except E as e` binds e; nothing to resolve through it.
			a.checkExcept(n, f)
		case "global_statement", "nonlocal_statement":
		case "call":
			a.checkCall(n, f)
		case "exec_statement":
			a.checkExecStatement(n, f)
		case "attribute":
			a.checkAttribute(n, f.sc)
			a.checkValueUse(n, f.sc)
		case "subscript":
			a.checkSubscript(n, f.sc)
		case "identifier":
			a.checkIdentifier(n, f.sc)
			a.checkValueUse(n, f.sc)
		case "string":
			// Children too: f-string interpolations hold code.
			a.checkString(n, f.sc)
			a.checkShape(n, f)
		case "binary_operator":
			a.checkBinop(n, f.sc)
			a.checkShape(n, f)
		case "assert_statement":
			a.checkAssert(n)
		case "keyword_argument":
			a.checkKeyword(n, f.sc)
		}
		if !pushChildren {
			continue
		}
		// Push children, then reverse them so they pop in source order.
		from := len(stack)
		for c := t.nodes[n].first; c != none; c = t.nodes[c].next {
			stack = append(stack, frame{n: c, sc: f.sc, loop: f.loop, infinite: f.infinite, bomb: f.bomb, tiny: f.tiny})
		}
		for i, j := from, len(stack)-1; i < j; i, j = i+1, j-1 {
			stack[i], stack[j] = stack[j], stack[i]
		}
	}
	return nil
}

// ident returns an identifier's name as Python sees it (NFKC).
func (a *analyzer) ident(n int32) string {
	s := a.t.text(n)
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return norm.NFKC.String(s)
		}
	}
	return s
}

func (a *analyzer) syntaxErrors() {
	t := a.t
	if !t.hasError {
		return
	}
	count := 0
	for i := range t.nodes {
		n := t.nodes[i]
		isErr := n.kind == 0xFFFF
		if !isErr && !n.missing {
			continue
		}
		if isErr && n.parent != none && t.nodes[n.parent].kind == 0xFFFF {
			continue
		}
		count++
		if count > maxSyntaxErrs {
			break
		}
		line, col := t.pos(n.start)
		msg := "invalid syntax"
		if n.missing {
			msg = fmt.Sprintf("missing %q", t.kind(int32(i)))
		}
		a.rep.SyntaxErrors = append(a.rep.SyntaxErrors, SyntaxError{Line: line, Column: col, Message: msg})
	}
	if len(a.rep.SyntaxErrors) == 0 {
		a.rep.SyntaxErrors = append(a.rep.SyntaxErrors, SyntaxError{Line: 1, Column: 1, Message: "invalid syntax"})
	}
	se := a.rep.SyntaxErrors[0]
	a.emit(Match{Rule: "CDN002", Line: se.Line, Column: se.Column, EndLine: se.Line, EndColumn: se.Column,
		Message: fmt.Sprintf("syntax error (%s); the rest of the file was analysed as far as it parsed", se.Message),
		Snippet: strings.TrimSpace(t.lineText(se.Line))})
	if t.errorSpan*4 > len(t.src) && len(t.src) > 200 || t.maxDepth > 900 {
		a.emit(Match{Rule: "CDN001", Line: se.Line, Column: se.Column, EndLine: se.Line, EndColumn: se.Column,
			Message: fmt.Sprintf("the parser could not recover structure for %d of %d bytes (depth %d); code there was not analysed", t.errorSpan, len(t.src), t.maxDepth),
			Snippet: strings.TrimSpace(t.lineText(se.Line))})
	}
}

// scanSource looks at the text as a whole: bidi controls, NFKC-changing
// identifiers, nesting deeper than the parser handles.
func (a *analyzer) scanSource() {
	t := a.t
	// Every bidi control starts with one of these UTF-8 byte pairs.
	if !bytes.Contains(t.src, []byte{0xe2, 0x80}) && !bytes.Contains(t.src, []byte{0xe2, 0x81}) && !bytes.Contains(t.src, []byte{0xd8, 0x9c}) {
		return
	}
	src := string(t.src)
	for i, r := range src {
		switch r {
		case '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200f', '\u061c':
			line, col := t.pos(uint32(i))
			a.emit(Match{Rule: "CDN005", Line: line, Column: col, EndLine: line, EndColumn: col + 1,
				Message: fmt.Sprintf("bidirectional control character U+%04X: the displayed code differs from the executed code", r),
				Snippet: strings.TrimSpace(t.lineText(line))})
			return
		}
	}
}

func (a *analyzer) checkNonASCIIIdent(n int32) {
	s := a.t.text(n)
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return
	}
	nf := norm.NFKC.String(s)
	if nf == s {
		return
	}
	allASCII := true
	for _, r := range nf {
		if r >= 0x80 || !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_') {
			allASCII = false
		}
	}
	msg := fmt.Sprintf("identifier %q is %q to Python (NFKC normalisation)", s, nf)
	f := a.finding("CDN004", n, msg, nf)
	if allASCII {
		f.Severity = high
	}
	a.emit(f)
}
