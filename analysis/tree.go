package analysis

// The tree-sitter tree is copied once into a Go slice of nodes (one C walk,
// see tsparse_unsafe.go) and deleted at once; every rule then works on the
// Go copy. Positions are byte offsets; lines and columns are
// computed from a line table only for the nodes that end up in findings.

import (
	"bytes"
	"errors"
	"sort"
	"sync"
	"unicode/utf8"

	sitter "github.com/tree-sitter/go-tree-sitter"
	python "github.com/tree-sitter/tree-sitter-python/bindings/go"
)

// none marks an absent node index.
const none = -1

type node struct {
	kind    uint16 // tree-sitter kind id; name via kindNames
	field   uint16 // field id in the parent (0: none)
	named   bool
	missing bool // a token the parser inserted to recover
	_       [2]byte
	start   uint32
	end     uint32
	parent  int32
	first   int32 // first child
	next    int32 // next sibling
}

type tree struct {
	nodes     []node
	src       []byte
	lines     []int // byte offset of each line start
	hasError  bool
	maxDepth  int
	errorSpan int // bytes covered by ERROR nodes
}

var (
	langOnce  sync.Once
	lang      *sitter.Language
	kindNames []string
	kindNamed []bool
	fieldName []string
)

func language() *sitter.Language {
	langOnce.Do(func() {
		lang = sitter.NewLanguage(python.Language())
		n := int(lang.NodeKindCount())
		kindNames = make([]string, n)
		kindNamed = make([]bool, n)
		for i := 0; i < n; i++ {
			kindNames[i] = lang.NodeKindForId(uint16(i))
			kindNamed[i] = lang.NodeKindIsNamed(uint16(i))
		}
		fc := int(lang.FieldCount())
		fieldName = make([]string, fc+1)
		for i := 1; i <= fc; i++ {
			fieldName[i] = lang.FieldNameForId(uint16(i))
		}
	})
	return lang
}

func lineStarts(src []byte) []int {
	ls := make([]int, 1, len(src)/32+1)
	for i := 0; ; {
		j := bytes.IndexByte(src[i:], '\n')
		if j < 0 {
			return ls
		}
		i += j + 1
		ls = append(ls, i)
	}
}

// kind returns the kind name of node i ("ERROR" for errors).
func (t *tree) kind(i int32) string {
	if i < 0 {
		return ""
	}
	k := t.nodes[i].kind
	if k == 0xFFFF {
		return "ERROR"
	}
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return ""
}

func (t *tree) fieldOf(i int32) string {
	f := t.nodes[i].field
	if int(f) < len(fieldName) {
		return fieldName[f]
	}
	return ""
}

// child returns the first child of i in field name, or none.
func (t *tree) child(i int32, field string) int32 {
	if i < 0 {
		return none
	}
	for c := t.nodes[i].first; c != none; c = t.nodes[c].next {
		if t.fieldOf(c) == field {
			return c
		}
	}
	return none
}

// namedChildren lists the named children of i.
func (t *tree) namedChildren(i int32) []int32 {
	var out []int32
	if i < 0 {
		return nil
	}
	for c := t.nodes[i].first; c != none; c = t.nodes[c].next {
		if t.nodes[c].named {
			out = append(out, c)
		}
	}
	return out
}

func (t *tree) text(i int32) string {
	if i < 0 {
		return ""
	}
	n := t.nodes[i]
	return string(t.src[n.start:n.end])
}

// pos turns a byte offset into a 1-based line and 1-based column counted in
// characters.
func (t *tree) pos(off uint32) (line, col int) {
	l := sort.Search(len(t.lines), func(k int) bool { return t.lines[k] > int(off) }) - 1
	if l < 0 {
		l = 0
	}
	start := t.lines[l]
	o := int(off)
	if o > len(t.src) {
		o = len(t.src)
	}
	return l + 1, utf8.RuneCount(t.src[start:o]) + 1
}

// lineText returns line number l (1-based) without its newline.
func (t *tree) lineText(l int) string {
	if l < 1 || l > len(t.lines) {
		return ""
	}
	s := t.lines[l-1]
	e := len(t.src)
	if l < len(t.lines) {
		e = t.lines[l] - 1
	}
	if e < s {
		e = s
	}
	b := t.src[s:e]
	if len(b) > 200 {
		b = b[:200]
	}
	return string(b)
}

// errParseCancelled means tree-sitter stopped before the end of the input
// (the time bound).
var errParseCancelled = errors.New("parse did not finish")

// nodePool recycles node slices between files: they are the analyzer's
// largest allocation, and reusing them keeps the GC out of the way.
var nodePool sync.Pool

func getNodes(n int) []node {
	if p, ok := nodePool.Get().(*[]node); ok && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]node, n, n+n/4)
}

// release returns the tree's nodes to the pool; t is unusable after.
func (t *tree) release() {
	if t == nil || cap(t.nodes) > 8<<20 {
		return
	}
	ns := t.nodes[:0]
	t.nodes = nil
	nodePool.Put(&ns)
}
