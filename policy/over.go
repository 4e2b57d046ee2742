package policy

// Two uses of the policy's YAML machinery outside policy files: a service
// applying a request's policy overrides onto a tenant's ceiling (Over), and
// other YAML configuration (the server's) decoded with the same positions
// in its errors (DecodeYAML).

import (
	"fmt"
	"reflect"
)

// Over applies the policy document data (YAML, or JSON, which is YAML)
// onto base and returns the result, validated; base is not changed. The
// document may not name a parent (extends). Problems are [Errors] with
// positions in data under name. Over does not check that the result is no
// looser than base: that is [Tighten]'s job.
func Over(base *Policy, name string, data []byte) (*Policy, error) {
	l, errs := parseLayer(name, data)
	if l == nil {
		return nil, errs.err()
	}
	if l.p.Extends != "" {
		errs = append(errs, errAt(l.pos["extends"], "extends", "not allowed here: overrides apply onto the given policy"))
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	p := merge(base, l)
	p.Source = name
	p.Extends = ""
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// DecodeYAML fills the struct v points to from the one YAML document in
// data, the way policy files are decoded: keys are the fields' yaml tags,
// unknown and duplicate keys are refused (with a suggestion), durations
// ("10s") and sizes ("256MiB") use the [Duration] and [Size] types, and
// every problem is an [Error] with name, line, column and field path, all
// of them returned at once as [Errors]. Field types may be strings, bools,
// ints, Duration, Size, structs, slices of those and map[string]string.
// It returns where each value set was (by field path, "tenants[1].name"),
// so the caller's own checks can name the line too.
func DecodeYAML(name string, data []byte, v any) (map[string]Pos, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("policy.DecodeYAML: want a pointer to a struct, got %T", v)
	}
	l := &layer{set: map[string]bool{}, pos: map[string]Pos{}, bad: map[string]bool{}, file: name}
	root, errs := parseDoc(name, data)
	if errs != nil {
		return l.pos, errs.err()
	}
	if root == nil {
		return l.pos, nil
	}
	d := &decoder{l: l}
	if root = d.visit(root, ""); root != nil {
		d.decodeStruct(root, rv.Elem(), "")
	}
	return l.pos, d.errs.err()
}
