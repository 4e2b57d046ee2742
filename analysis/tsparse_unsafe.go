package analysis

// Parsing and copying the tree in C, in one cgo call each. The tree-sitter
// C library is the one go-tree-sitter compiles into the binary; this file
// only declares the few functions of its stable API (v0.25) it calls.
// Walking the tree node by node through go-tree-sitter costs about ten cgo
// calls per node, which dominated the analysis time; the C walker below
// fills a Go slice (no Go pointers inside, pinned for the call) instead.

/*
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>

typedef struct TSParser TSParser;
typedef struct TSTree TSTree;
typedef struct TSLanguage TSLanguage;
typedef struct { uint32_t context[4]; const void *id; const TSTree *tree; } TSNode;
typedef struct { const void *tree; const void *id; uint32_t context[3]; } TSTreeCursor;

void ts_set_allocator(void *(*m)(size_t), void *(*c)(size_t, size_t), void *(*r)(void *, size_t), void (*f)(void *));
TSParser *ts_parser_new(void);
void ts_parser_delete(TSParser *self);
bool ts_parser_set_language(TSParser *self, const TSLanguage *language);
void ts_parser_set_timeout_micros(TSParser *self, uint64_t timeout_micros);
void ts_parser_reset(TSParser *self);
TSTree *ts_parser_parse_string(TSParser *self, const TSTree *old_tree, const char *string, uint32_t length);
void ts_tree_delete(TSTree *self);
TSNode ts_tree_root_node(const TSTree *self);
uint32_t ts_node_descendant_count(TSNode self);
uint16_t ts_node_symbol(TSNode self);
uint32_t ts_node_start_byte(TSNode self);
uint32_t ts_node_end_byte(TSNode self);
bool ts_node_is_named(TSNode self);
bool ts_node_is_missing(TSNode self);
bool ts_node_has_error(TSNode self);
TSTreeCursor ts_tree_cursor_new(TSNode node);
void ts_tree_cursor_delete(TSTreeCursor *self);
TSNode ts_tree_cursor_current_node(const TSTreeCursor *self);
uint16_t ts_tree_cursor_current_field_id(const TSTreeCursor *self);
bool ts_tree_cursor_goto_first_child(TSTreeCursor *self);
bool ts_tree_cursor_goto_next_sibling(TSTreeCursor *self);
bool ts_tree_cursor_goto_parent(TSTreeCursor *self);

// Must match the Go type node (28 bytes).
typedef struct {
	uint16_t kind, field;
	uint8_t named, missing, pad0, pad1;
	uint32_t start, end;
	int32_t parent, first, next;
} cdn_node;

static uint32_t cdn_count(TSTree *t, bool *has_error) {
	TSNode root = ts_tree_root_node(t);
	*has_error = ts_node_has_error(root);
	return ts_node_descendant_count(root);
}

// cdn_walk copies the tree into out (cap entries) in pre-order. It returns
// the number of nodes written, -1 when out is too small, -2 when out of
// memory; *maxdepth gets the deepest nesting.
static int64_t cdn_walk(TSTree *t, cdn_node *out, uint32_t cap, uint32_t *maxdepth) {
	TSTreeCursor c = ts_tree_cursor_new(ts_tree_root_node(t));
	uint32_t scap = 256, sp = 0, n = 0;
	int32_t *stack = malloc(scap * sizeof(int32_t));
	int32_t *last = malloc(scap * sizeof(int32_t));
	int64_t ret = 0;
	*maxdepth = 0;
	if (!stack || !last) { ret = -2; goto out; }
	for (;;) {
		if (n >= cap) { ret = -1; goto out; }
		TSNode nd = ts_tree_cursor_current_node(&c);
		uint32_t idx = n++;
		cdn_node *o = &out[idx];
		o->kind = ts_node_symbol(nd);
		o->field = ts_tree_cursor_current_field_id(&c);
		o->named = ts_node_is_named(nd);
		o->start = ts_node_start_byte(nd);
		o->end = ts_node_end_byte(nd);
		o->missing = o->start == o->end ? ts_node_is_missing(nd) : 0;
		o->pad0 = o->pad1 = 0;
		o->first = -1;
		o->next = -1;
		o->parent = -1;
		if (sp > 0) {
			o->parent = stack[sp-1];
			if (last[sp-1] < 0) out[stack[sp-1]].first = (int32_t)idx;
			else out[last[sp-1]].next = (int32_t)idx;
			last[sp-1] = (int32_t)idx;
		}
		if (ts_tree_cursor_goto_first_child(&c)) {
			if (sp == scap) {
				scap *= 2;
				int32_t *s2 = realloc(stack, scap * sizeof(int32_t));
				if (!s2) { ret = -2; goto out; }
				stack = s2;
				int32_t *l2 = realloc(last, scap * sizeof(int32_t));
				if (!l2) { ret = -2; goto out; }
				last = l2;
			}
			stack[sp] = (int32_t)idx;
			last[sp] = -1;
			sp++;
			if (sp > *maxdepth) *maxdepth = sp;
			continue;
		}
		for (;;) {
			if (ts_tree_cursor_goto_next_sibling(&c)) break;
			if (!ts_tree_cursor_goto_parent(&c)) { ret = n; goto out; }
			sp--;
		}
	}
out:
	free(stack);
	free(last);
	ts_tree_cursor_delete(&c);
	return ret;
}
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"
	"unsafe"

	python "github.com/tree-sitter/tree-sitter-python/bindings/go"
)

var _ [28]byte = [unsafe.Sizeof(node{})]byte{}

func init() {
	// go-tree-sitter routes every tree-sitter allocation through Go
	// callbacks that call C.malloc (a C->Go->C round trip per malloc,
	// about a third of parse time). NULLs restore tree-sitter's own libc
	// allocator: the same malloc underneath, so memory allocated before
	// the switch is freed correctly after it.
	C.ts_set_allocator(nil, nil, nil, nil)
}

// parserPool holds idle C parsers. A bounded channel rather than a
// sync.Pool: a pool drops items at GC, and a dropped C parser would leak.
var parserPool = make(chan *C.TSParser, 2*runtime.GOMAXPROCS(0)+2)

func getCParser() (*C.TSParser, error) {
	select {
	case p := <-parserPool:
		return p, nil
	default:
	}
	language()
	p := C.ts_parser_new()
	if p == nil {
		return nil, errors.New("tree-sitter: cannot allocate a parser")
	}
	if !C.ts_parser_set_language(p, (*C.TSLanguage)(python.Language())) {
		C.ts_parser_delete(p)
		return nil, errors.New("tree-sitter: python grammar ABI not supported by the library")
	}
	return p, nil
}

func putCParser(p *C.TSParser) {
	select {
	case parserPool <- p:
	default:
		C.ts_parser_delete(p)
	}
}

// parse parses src (UTF-8) and copies the tree; the C tree is deleted and
// the parser back in the pool before parse returns.
func parse(ctx context.Context, src []byte) (*tree, error) {
	if len(src) >= 1<<31 {
		return nil, fmt.Errorf("source of %d bytes is too large to parse", len(src))
	}
	timeout := uint64(DefaultTimeout / time.Microsecond)
	if dl, ok := ctx.Deadline(); ok {
		left := time.Until(dl)
		if left <= 0 {
			return nil, fmt.Errorf("%w: %w", errParseCancelled, context.DeadlineExceeded)
		}
		timeout = uint64(left / time.Microsecond)
	}
	p, err := getCParser()
	if err != nil {
		return nil, err
	}
	C.ts_parser_set_timeout_micros(p, C.uint64_t(timeout))
	if len(src) == 0 {
		src = []byte{'\n'} // same tree as empty; tree-sitter wants a pointer
	}
	cs := (*C.char)(unsafe.Pointer(&src[0]))
	ts := C.ts_parser_parse_string(p, nil, cs, C.uint32_t(len(src)))
	runtime.KeepAlive(src)
	if ts == nil {
		C.ts_parser_reset(p)
		putCParser(p)
		return nil, fmt.Errorf("%w: %w", errParseCancelled, context.DeadlineExceeded)
	}
	putCParser(p)
	defer C.ts_tree_delete(ts)
	var hasErr C.bool
	count := uint32(C.cdn_count(ts, &hasErr))
	t := &tree{src: src, hasError: bool(hasErr)}
	t.nodes = getNodes(int(count) + 1)
	var depth C.uint32_t
	n := C.cdn_walk(ts, (*C.cdn_node)(unsafe.Pointer(&t.nodes[0])), C.uint32_t(len(t.nodes)), &depth)
	if n < 0 {
		return nil, fmt.Errorf("copying the syntax tree failed (%d)", int64(n))
	}
	t.nodes = t.nodes[:n]
	t.maxDepth = int(depth)
	for i := range t.nodes {
		nd := &t.nodes[i]
		if nd.kind == 0xFFFF && (nd.parent == none || t.nodes[nd.parent].kind != 0xFFFF) {
			t.errorSpan += int(nd.end - nd.start)
		}
		if nd.missing {
			t.hasError = true
		}
	}
	t.lines = lineStarts(src)
	return t, nil
}
