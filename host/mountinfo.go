package host

// Parsers for /proc/self/mountinfo, /proc/self/cgroup and
// cgroup.controllers. They read kernel text, but a container runtime or a
// hostile mount namespace can put odd names in it (spaces, newlines via
// octal escapes), so each parser checks its fields instead of trusting
// positions.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ErrMalformed is wrapped by every parse error.
var ErrMalformed = errors.New("malformed")

// Mount is one line of mountinfo.
type Mount struct {
	ID, Parent   int
	Root         string // the mount's root within its filesystem
	Point        string // mount point
	Options      string // per-mount options
	FSType       string
	Source       string
	SuperOptions string
}

// ParseMountinfo parses /proc/<pid>/mountinfo text (proc(5)).
func ParseMountinfo(r io.Reader) ([]Mount, error) {
	var out []Mount
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		m, err := parseMountLine(line)
		if err != nil {
			return out, fmt.Errorf("mountinfo line %d: %w", n, err)
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("mountinfo: %w", err)
	}
	return out, nil
}

func parseMountLine(line string) (Mount, error) {
	pre, post, ok := strings.Cut(line, " - ")
	if !ok {
		return Mount{}, fmt.Errorf("%w: no separator", ErrMalformed)
	}
	f := strings.Fields(pre)
	if len(f) < 6 {
		return Mount{}, fmt.Errorf("%w: %d fields before the separator", ErrMalformed, len(f))
	}
	var m Mount
	var err error
	if m.ID, err = strconv.Atoi(f[0]); err != nil {
		return Mount{}, fmt.Errorf("%w: mount id %q", ErrMalformed, f[0])
	}
	if m.Parent, err = strconv.Atoi(f[1]); err != nil {
		return Mount{}, fmt.Errorf("%w: parent id %q", ErrMalformed, f[1])
	}
	if maj, min, ok := strings.Cut(f[2], ":"); !ok || !isDigits(maj) || !isDigits(min) {
		return Mount{}, fmt.Errorf("%w: device %q", ErrMalformed, f[2])
	}
	if m.Root, err = unescapeOctal(f[3]); err != nil {
		return Mount{}, err
	}
	if m.Point, err = unescapeOctal(f[4]); err != nil {
		return Mount{}, err
	}
	m.Options = f[5]
	g := strings.Fields(post)
	if len(g) < 2 {
		return Mount{}, fmt.Errorf("%w: %d fields after the separator", ErrMalformed, len(g))
	}
	m.FSType = g[0]
	if m.Source, err = unescapeOctal(g[1]); err != nil {
		return Mount{}, err
	}
	if len(g) > 2 {
		m.SuperOptions = g[2]
	}
	return m, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// unescapeOctal undoes the kernel's \ooo escapes (space, tab, newline,
// backslash) in mountinfo paths.
func unescapeOctal(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		if i+4 > len(s) {
			return "", fmt.Errorf("%w: bad escape in %q", ErrMalformed, s)
		}
		v, err := strconv.ParseUint(s[i+1:i+4], 8, 8)
		if err != nil {
			return "", fmt.Errorf("%w: bad escape in %q", ErrMalformed, s)
		}
		b.WriteByte(byte(v))
		i += 3
	}
	return b.String(), nil
}

// splitOptions splits a comma-separated option list.
func splitOptions(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// CgroupLine is one line of /proc/<pid>/cgroup: a hierarchy id, its
// controllers (none for v2, whose id is 0) and the process's group path.
type CgroupLine struct {
	ID          int
	Controllers []string
	Path        string
}

// ParseProcCgroup parses /proc/<pid>/cgroup text (cgroups(7)).
func ParseProcCgroup(r io.Reader) ([]CgroupLine, error) {
	var out []CgroupLine
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" {
			continue
		}
		id, rest, ok := strings.Cut(line, ":")
		ctl, path, ok2 := strings.Cut(rest, ":")
		if !ok || !ok2 || !isDigits(id) || !strings.HasPrefix(path, "/") {
			return out, fmt.Errorf("cgroup line %d %q: %w", n, line, ErrMalformed)
		}
		v, err := strconv.Atoi(id)
		if err != nil {
			return out, fmt.Errorf("cgroup line %d: %w: id %q", n, ErrMalformed, id)
		}
		out = append(out, CgroupLine{ID: v, Controllers: splitOptions(ctl), Path: path})
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("cgroup: %w", err)
	}
	return out, nil
}

// ParseControllers parses cgroup.controllers or cgroup.subtree_control:
// space-separated names on one line.
func ParseControllers(s string) ([]string, error) {
	f := strings.Fields(s)
	for _, c := range f {
		for _, r := range c {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
				return nil, fmt.Errorf("controller %q: %w", c, ErrMalformed)
			}
		}
	}
	if f == nil {
		f = []string{}
	}
	return f, nil
}
