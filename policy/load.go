package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// MaxFileSize is the largest policy file Load reads. Policies are short;
// a bigger file is a mistake or an attack on the parser.
const MaxFileSize = 1 << 20

// maxExtendsDepth bounds an `extends` chain.
const maxExtendsDepth = 8

// Load reads the policy file at path and returns the effective policy: the
// parent it extends (the built-in default when it names none) with the
// file's values applied, validated. A failure to read is wrapped; problems
// in the file are [Errors], each with file, line, column and field.
func Load(path string) (*Policy, error) {
	data, err := readCapped(path)
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", path, err)
	}
	return Parse(path, data)
}

// LoadOrDefault is [Load], or a fresh [Default] when path is "".
func LoadOrDefault(path string) (*Policy, error) {
	if path == "" {
		return Default(), nil
	}
	return Load(path)
}

// Parse is [Load] for a policy in memory; name is used in errors, and its
// folder (the current one when name has none) is where relative paths and
// `extends` files resolve.
func Parse(name string, data []byte) (*Policy, error) {
	p, errs := effective(name, data, nil)
	if p == nil {
		return nil, errs.err()
	}
	// A value that failed to load is reported once, not again by the
	// checks that see what was left of it.
	bad := map[string]bool{}
	for _, e := range errs {
		bad[e.Field] = true
	}
	verrs, _ := p.check()
	for _, e := range verrs {
		if !bad[e.Field] {
			errs = append(errs, e)
		}
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return p, nil
}

// Warnings returns what is valid in p but probably not meant (an allow
// list that allows nothing, ...).
func (p *Policy) Warnings() []*Warning {
	_, w := p.check()
	return w
}

// Validate checks p, which may have been built or changed in code, and
// returns [Errors] or nil.
func (p *Policy) Validate() error {
	errs, _ := p.check()
	return errs.err()
}

// readCapped reads a regular file of at most MaxFileSize bytes.
func readCapped(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%s)", st.Mode().Type())
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("file larger than %s: a policy is a short text file", FormatSize(MaxFileSize))
	}
	return data, nil
}

// effective parses one file and applies it onto its parent. It returns nil
// only when there is nothing to build on (the file could not be parsed).
func effective(name string, data []byte, stack []string) (*Policy, Errors) {
	l, errs := parseLayer(name, data)
	if l == nil {
		return nil, errs
	}
	base, perrs := parent(l, stack)
	errs = append(errs, perrs...)
	if base == nil {
		base = Default()
	}
	p := merge(base, l)
	p.Source = name
	p.Extends = ""
	return p, errs
}

// parent returns the effective policy l extends.
func parent(l *layer, stack []string) (*Policy, Errors) {
	ext := l.p.Extends
	if ext == "" {
		return Default(), nil
	}
	at := l.pos["extends"]
	if name, ok := strings.CutPrefix(ext, "builtin:"); ok {
		p, err := Profile(name)
		if err != nil {
			return nil, Errors{errAt(at, "extends", "%v", err)}
		}
		return p, nil
	}
	if strings.Contains(ext, ":") && !strings.ContainsAny(ext, "/.") {
		return nil, Errors{errAt(at, "extends", "unknown form %q (want a file path or builtin:NAME; built-ins: %s)", ext, strings.Join(ProfileNames(), ", "))}
	}
	path := ext
	if !filepath.IsAbs(path) {
		// Keep the parent's name in the same form as the child's (relative
		// names stay relative) for errors; it resolves from the same place.
		path = filepath.Join(filepath.Dir(l.file), path)
	}
	key := realPath(path)
	for i, s := range stack {
		if s == key {
			chain := append(append([]string{}, stack[i:]...), key)
			return nil, Errors{errAt(at, "extends", "cycle: %s", strings.Join(chain, " -> "))}
		}
	}
	if len(stack) >= maxExtendsDepth {
		return nil, Errors{errAt(at, "extends", "chain deeper than %d files", maxExtendsDepth)}
	}
	data, err := readCapped(path)
	if err != nil {
		return nil, Errors{errAt(at, "extends", "cannot read %s: %v", path, unwrapPathErr(err))}
	}
	if len(stack) == 0 {
		stack = []string{realPath(l.file)}
	}
	next := append(append([]string{}, stack...), key)
	return effective(path, data, next)
}

// realPath is path made absolute with symlinks resolved, as far as it can
// be: the identity of a file in an extends chain.
func realPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	if r, err := filepath.EvalSymlinks(path); err == nil {
		return r
	}
	return filepath.Clean(path)
}

func unwrapPathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// parserErrors are yaml.v3 parser (not scanner) messages.
var parserErrors = map[string]bool{
	"did not find expected key":              true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected node content":     true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
}

var yamlLine = regexp.MustCompile(`line (\d+)(?:, column (\d+))?: (.*)`)

// parseLayer decodes one file into a layer, without its parent.
func parseLayer(name string, data []byte) (*layer, Errors) {
	dir := "."
	if name != "" {
		dir = filepath.Dir(name)
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	if r, err := filepath.EvalSymlinks(dir); err == nil {
		dir = r
	}
	l := &layer{set: map[string]bool{}, pos: map[string]Pos{}, bad: map[string]bool{}, file: name, dir: dir}
	root, errs := parseDoc(name, data)
	if errs != nil {
		return nil, errs
	}
	if root == nil {
		return l, nil // an empty file changes nothing
	}
	d := &decoder{l: l}
	if root = d.visit(root, ""); root != nil {
		d.decodeStruct(root, reflectValue(&l.p), "")
	}
	d.errs = append(d.errs, l.normalize()...)
	return l, d.errs
}

// parseDoc checks data is one YAML document of UTF-8 text within
// MaxFileSize and returns its root node (nil for an empty document).
func parseDoc(name string, data []byte) (*yaml.Node, Errors) {
	whole := func(line, col int, format string, args ...any) Errors {
		return Errors{errAt(Pos{File: name, Line: line, Column: col}, "", format, args...)}
	}
	if len(data) > MaxFileSize {
		return nil, whole(1, 1, "file larger than %s: a policy is a short text file", FormatSize(MaxFileSize))
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		line, col := lineCol(data, i)
		return nil, whole(line, col, "binary data (NUL byte): a policy is UTF-8 text")
	}
	if !utf8.Valid(data) {
		i := 0
		for i < len(data) {
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		line, col := lineCol(data, i)
		return nil, whole(line, col, "not UTF-8 text (byte 0x%02x)", data[i])
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, yamlErr(name, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, whole(max(extra.Line, 1), 1, "more than one YAML document (\"---\"): a policy is one document")
	} else if !errors.Is(err, io.EOF) {
		return nil, yamlErr(name, err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil, nil
		}
		root = root.Content[0]
	}
	return root, nil
}

func yamlErr(name string, err error) Errors {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line, col := 1, 1
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		if m[2] != "" {
			col, _ = strconv.Atoi(m[2])
		}
		msg = m[3]
		// yaml.v3 reports a parser error at the 0-based line where the
		// enclosing block starts (a scanner error at the 1-based line of
		// the problem itself).
		if parserErrors[msg] {
			line++
			msg += " (in the block that starts here)"
		}
	}
	return Errors{errAt(Pos{File: name, Line: max(line, 1), Column: max(col, 1)}, "", "YAML syntax: %s", msg)}
}

// lineCol gives the 1-based line and column (in bytes) of offset i.
func lineCol(data []byte, i int) (int, int) {
	line := 1 + bytes.Count(data[:i], []byte("\n"))
	col := i - bytes.LastIndexByte(data[:i], '\n')
	return line, col
}
