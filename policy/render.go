package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// YAML renders p as a policy file with every field, in human units. The
// output parses back to a policy with the same [Policy.Hash].
func (p *Policy) YAML() []byte {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(p); err != nil {
		panic(fmt.Sprintf("policy: yaml: %v", err)) // every field marshals
	}
	enc.Close()
	return b.Bytes()
}

// JSON renders p as indented JSON, with the schema's field names.
func (p *Policy) JSON() []byte {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		panic(fmt.Sprintf("policy: json: %v", err))
	}
	return append(b, '\n')
}

// File is one policy file as written: only the fields it sets (paths made
// absolute, domains and CIDRs normalised), without defaults or its parent.
type File struct {
	Name    string
	Extends string
	node    *yaml.Node
}

// ReadFile reads and decodes one policy file without applying it to its
// parent. Its errors are those of this file alone (types, units, keys,
// paths); [Load] also validates the effective policy.
func ReadFile(path string) (*File, error) {
	data, err := readCapped(path)
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", path, err)
	}
	l, errs := parseLayer(path, data)
	if err := errs.err(); err != nil {
		return nil, err
	}
	var n yaml.Node
	if err := n.Encode(&l.p); err != nil {
		return nil, fmt.Errorf("policy %s: %w", path, err)
	}
	prune(&n, "", l.set)
	return &File{Name: path, Extends: l.p.Extends, node: &n}, nil
}

// prune keeps in mapping n only the paths set (or with set descendants).
func prune(n *yaml.Node, prefix string, set map[string]bool) {
	if n.Kind != yaml.MappingNode {
		return
	}
	var kept []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		path := join(prefix, k.Value)
		if set[path] {
			kept = append(kept, k, v)
			continue
		}
		if hasUnder(set, path) {
			prune(v, path, set)
			kept = append(kept, k, v)
		}
	}
	n.Content = kept
}

func hasUnder(set map[string]bool, path string) bool {
	for k := range set {
		if strings.HasPrefix(k, path+".") {
			return true
		}
	}
	return false
}

// YAML renders the file's own values.
func (f *File) YAML() []byte {
	if len(f.node.Content) == 0 {
		return []byte("{}\n")
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	enc.Encode(f.node)
	enc.Close()
	return b.Bytes()
}

// JSON renders the file's own values as indented JSON.
func (f *File) JSON() []byte {
	var v any
	if err := f.node.Decode(&v); err != nil || v == nil {
		v = map[string]any{}
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(fmt.Sprintf("policy: json: %v", err))
	}
	return append(b, '\n')
}

// WriteTemplate writes the commented starter policy to path, refusing to
// replace an existing file.
func WriteTemplate(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(Template()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
