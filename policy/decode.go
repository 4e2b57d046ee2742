package policy

// The decoder walks yaml.Node itself instead of yaml.Unmarshal so that every
// problem carries its line, column and field path, and so that all problems
// are found in one pass: a bad value is reported and the walk goes on.

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxNodes bounds the nodes visited in one file, aliases expanded, so an
// alias bomb ("a: &a [*b, *b, ...]") costs at most this much work.
const maxNodes = 100_000

// layer is one file's values: a Policy holding only what the file says
// (zero elsewhere), which leaf fields it set, and where each value is.
type layer struct {
	p    Policy
	set  map[string]bool // leaf field paths the file sets ("limits.memory", "environment.set.FOO")
	pos  map[string]Pos  // positions of set fields and list elements ("filesystem.deny[1]")
	bad  map[string]bool // list elements whose value failed to decode
	file string          // name used in errors
	dir  string          // folder relative paths resolve against
}

type decoder struct {
	l     *layer
	errs  Errors
	nodes int
	// bombed is set once maxNodes is exceeded; the walk then stops.
	bombed bool
}

var (
	durationType = reflect.TypeFor[Duration]()
	sizeType     = reflect.TypeFor[Size]()
)

func (d *decoder) pos(n *yaml.Node) Pos {
	return Pos{File: d.l.file, Line: n.Line, Column: n.Column}
}

func (d *decoder) errorf(n *yaml.Node, field, format string, args ...any) {
	d.errs = append(d.errs, errAt(d.pos(n), field, format, args...))
}

// visit counts n and resolves aliases; it returns nil once the node budget
// is spent.
func (d *decoder) visit(n *yaml.Node, field string) *yaml.Node {
	for depth := 0; n != nil && n.Kind == yaml.AliasNode; depth++ {
		if depth > 100 {
			d.errorf(n, field, "alias chain too deep")
			return nil
		}
		n = n.Alias
	}
	if n == nil || d.bombed {
		return nil
	}
	d.nodes++
	if d.nodes > maxNodes {
		d.bombed = true
		d.errorf(n, field, "document too large: more than %d values (with aliases expanded)", maxNodes)
		return nil
	}
	return n
}

// yamlName is the key of a struct field, "" for fields not in files.
func yamlName(f reflect.StructField) string {
	tag := f.Tag.Get("yaml")
	name, _, _ := strings.Cut(tag, ",")
	if name == "-" || !f.IsExported() {
		return ""
	}
	if name == "" {
		return strings.ToLower(f.Name)
	}
	return name
}

// keysOf lists the YAML keys of struct type t.
func keysOf(t reflect.Type) []string {
	var ks []string
	for i := range t.NumField() {
		if n := yamlName(t.Field(i)); n != "" {
			ks = append(ks, n)
		}
	}
	return ks
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "nothing (null)"
		case "!!int":
			return "a number"
		case "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		}
		return fmt.Sprintf("the string %q", n.Value)
	}
	return "something else"
}

// decodeStruct fills struct v from mapping n.
func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, field string) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // "limits:" with nothing under it sets nothing
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, field, "want a mapping with keys %s, got %s", strings.Join(keysOf(v.Type()), ", "), kindName(n))
		return
	}
	t := v.Type()
	index := map[string]int{}
	for i := range t.NumField() {
		if name := yamlName(t.Field(i)); name != "" {
			index[name] = i
		}
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := d.visit(n.Content[i], field)
		val := d.visit(n.Content[i+1], field)
		if k == nil || val == nil {
			return
		}
		if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
			d.errorf(k, field, "keys must be plain names (merge keys \"<<\" are not supported)")
			continue
		}
		path := join(field, k.Value)
		if prev, dup := seen[k.Value]; dup {
			d.errorf(k, path, "duplicate key (first at line %d)", prev.Line)
			continue
		}
		seen[k.Value] = k
		fi, ok := index[k.Value]
		if !ok {
			msg := fmt.Sprintf("unknown key %q", k.Value)
			if s := suggest(k.Value, keysOf(t)); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				msg += fmt.Sprintf(" (valid: %s)", strings.Join(keysOf(t), ", "))
			}
			d.errs = append(d.errs, errAt(d.pos(k), field, "%s", msg))
			continue
		}
		d.decodeValue(val, v.Field(fi), path)
	}
}

// decodeValue fills v from n and records path as set.
func (d *decoder) decodeValue(n *yaml.Node, v reflect.Value, path string) {
	t := v.Type()
	switch {
	case t == durationType:
		s, ok := d.scalar(n, path, "a duration such as 10s")
		if !ok {
			return
		}
		dur, err := ParseDuration(s)
		if err != nil {
			d.errorf(n, path, "%v", err)
			return
		}
		v.SetInt(int64(dur))
	case t == sizeType:
		s, ok := d.scalar(n, path, "a size such as 256MiB")
		if !ok {
			return
		}
		sz, err := ParseSize(s)
		if err != nil {
			d.errorf(n, path, "%v", err)
			return
		}
		v.SetInt(int64(sz))
	case t.Kind() == reflect.Struct:
		d.decodeStruct(n, v, path)
		return
	case t.Kind() == reflect.String:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
			d.errorf(n, path, "want a string, got %s", kindName(n))
			return
		}
		v.SetString(n.Value)
	case t.Kind() == reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			d.errorf(n, path, "want true or false, got %s", kindName(n))
			return
		}
		b, _ := strconv.ParseBool(strings.ToLower(n.Value))
		v.SetBool(b)
	case t.Kind() == reflect.Int:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			d.errorf(n, path, "want a whole number, got %s", kindName(n))
			return
		}
		i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 32)
		if err != nil {
			d.errorf(n, path, "number %s out of range", n.Value)
			return
		}
		v.SetInt(i)
	case t.Kind() == reflect.Slice:
		d.decodeSlice(n, v, path)
		return
	case t.Kind() == reflect.Map:
		d.decodeMap(n, v, path)
		return
	default:
		panic("policy: decoder: unhandled type " + t.String())
	}
	d.mark(n, path)
}

func (d *decoder) mark(n *yaml.Node, path string) {
	d.l.set[path] = true
	d.l.pos[path] = d.pos(n)
}

// scalar returns n's text for a scalar that is a string or a number.
func (d *decoder) scalar(n *yaml.Node, path, want string) (string, bool) {
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!str" && n.Tag != "!!int") {
		d.errorf(n, path, "want %s, got %s", want, kindName(n))
		return "", false
	}
	return n.Value, true
}

func (d *decoder) decodeSlice(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		d.mark(n, path)
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, path, "want a list, got %s", kindName(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), 0, len(n.Content))
	for i, c := range n.Content {
		c = d.visit(c, path)
		if c == nil {
			return
		}
		ep := fmt.Sprintf("%s[%d]", path, i)
		e := reflect.New(v.Type().Elem()).Elem()
		before := len(d.errs)
		d.decodeValue(c, e, ep)
		d.l.pos[ep] = d.pos(c)
		delete(d.l.set, ep)
		if len(d.errs) > before {
			// Keep the index of later elements stable for positions.
			e = reflect.Zero(e.Type())
			d.l.bad[ep] = true
		}
		s = reflect.Append(s, e)
	}
	v.Set(s)
	d.mark(n, path)
}

// decodeMap fills a map[string]string (environment.set): each key is a
// field of its own, so a child file overrides one variable at a time.
func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "want a mapping of NAME: value, got %s", kindName(n))
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := d.visit(n.Content[i], path)
		val := d.visit(n.Content[i+1], path)
		if k == nil || val == nil {
			return
		}
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, path, "want a variable name, got %s", kindName(k))
			continue
		}
		kp := path + "." + k.Value
		if prev, dup := seen[k.Value]; dup {
			d.errorf(k, kp, "duplicate key (first at line %d)", prev.Line)
			continue
		}
		seen[k.Value] = k
		if val.Kind != yaml.ScalarNode || val.Tag == "!!null" {
			d.errorf(val, kp, "want a value (quote it to be sure it is text), got %s", kindName(val))
			continue
		}
		v.SetMapIndex(reflect.ValueOf(k.Value), reflect.ValueOf(val.Value))
		d.l.set[kp] = true
		d.l.pos[kp] = d.pos(k)
	}
}

// suggest returns the candidate closest to s, if close enough to be a typo.
func suggest(s string, candidates []string) string {
	best, bestD := "", 3
	ls := strings.ToLower(s)
	for _, c := range candidates {
		dist := editDistance(ls, c)
		if dist < bestD && dist <= max(1, len(c)/3) {
			best, bestD = c, dist
		}
	}
	if best == "" {
		// "readonly" for "read_only", "cpu-time" for "cpu_time".
		norm := strings.NewReplacer("_", "", "-", "", " ", "").Replace(ls)
		for _, c := range candidates {
			if strings.ReplaceAll(c, "_", "") == norm {
				return c
			}
		}
	}
	return best
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 20
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
