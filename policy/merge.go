package policy

// How a file's values apply onto the policy it extends:
//
//   - Scalars (limits, modes, booleans, strings) the file sets replace the
//     parent's; what it does not set is inherited.
//   - Lists the file sets replace the parent's list, so a child can narrow
//     an allow list (read_only, read_write, domains, ports, cidrs,
//     environment.pass, analysis.allow, isolation.allow_degraded,
//     isolation.allow_syscalls, runtime.args, runtime.tools).
//   - filesystem.deny only accumulates: the child's entries are added to the
//     parent's, and a child can never remove a parent's deny.
//   - environment.set merges by variable: the child adds variables or
//     changes their values.

import (
	"reflect"
	"strings"
)

// accumulating lists are unions of parent and child.
var accumulating = map[string]bool{"filesystem.deny": true}

func reflectValue(p *Policy) reflect.Value { return reflect.ValueOf(p).Elem() }

// merge returns a copy of base with l's values applied.
func merge(base *Policy, l *layer) *Policy {
	p := base.Clone()
	if p.origin == nil {
		p.origin = map[string]Pos{}
	}
	mergeValue(reflectValue(p), reflectValue(&l.p), "", l, p.origin)
	return p
}

func mergeValue(dst, src reflect.Value, path string, l *layer, origin map[string]Pos) {
	t := dst.Type()
	switch {
	case t.Kind() == reflect.Struct:
		for i := range t.NumField() {
			name := yamlName(t.Field(i))
			if name == "" {
				continue
			}
			mergeValue(dst.Field(i), src.Field(i), join(path, name), l, origin)
		}
	case t.Kind() == reflect.Map:
		if src.Len() == 0 {
			return
		}
		if dst.IsNil() {
			dst.Set(reflect.MakeMap(t))
		}
		for _, k := range src.MapKeys() {
			kp := path + "." + k.String()
			dst.SetMapIndex(k, src.MapIndex(k))
			origin[kp] = l.pos[kp]
		}
	case t.Kind() == reflect.Slice:
		if !l.set[path] {
			return
		}
		if accumulating[path] {
			n := dst.Len()
			seen := map[any]bool{}
			for i := range n {
				seen[dst.Index(i).Interface()] = true
			}
			out := dst
			for i := range src.Len() {
				e := src.Index(i)
				if seen[e.Interface()] {
					continue
				}
				seen[e.Interface()] = true
				if pos, ok := l.pos[indexPath(path, i)]; ok {
					origin[indexPath(path, out.Len())] = pos
				}
				out = reflect.Append(out, e)
			}
			dst.Set(out)
			return
		}
		clearUnder(origin, path)
		origin[path] = l.pos[path]
		for i := range src.Len() {
			if pos, ok := l.pos[indexPath(path, i)]; ok {
				origin[indexPath(path, i)] = pos
			}
		}
		dst.Set(deepCopy(src))
	default:
		if l.set[path] {
			dst.Set(src)
			origin[path] = l.pos[path]
		}
	}
}

func indexPath(path string, i int) string {
	return path + "[" + itoa(i) + "]"
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

// clearUnder forgets the positions of path and its elements.
func clearUnder(origin map[string]Pos, path string) {
	for k := range origin {
		if k == path || strings.HasPrefix(k, path+"[") || strings.HasPrefix(k, path+".") {
			delete(origin, k)
		}
	}
}

// Clone returns a deep copy of p.
func (p *Policy) Clone() *Policy {
	c := deepCopy(reflect.ValueOf(*p)).Interface().(Policy)
	if p.origin != nil {
		c.origin = make(map[string]Pos, len(p.origin))
		for k, v := range p.origin {
			c.origin[k] = v
		}
	}
	return &c
}

func deepCopy(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Slice:
		if v.IsNil() {
			return reflect.Zero(v.Type())
		}
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			c.Index(i).Set(deepCopy(v.Index(i)))
		}
		return c
	case reflect.Map:
		if v.IsNil() {
			return reflect.Zero(v.Type())
		}
		c := reflect.MakeMapWithSize(v.Type(), v.Len())
		for _, k := range v.MapKeys() {
			c.SetMapIndex(k, deepCopy(v.MapIndex(k)))
		}
		return c
	case reflect.Struct:
		c := reflect.New(v.Type()).Elem()
		c.Set(v)
		for i := range v.NumField() {
			if c.Field(i).CanSet() {
				c.Field(i).Set(deepCopy(v.Field(i)))
			}
		}
		return c
	}
	return v
}

// posOf returns where field was set in p, or where p came from.
func (p *Policy) posOf(field string) Pos {
	if pos, ok := p.origin[field]; ok {
		return pos
	}
	return Pos{File: p.Source}
}
