package interp

// Host paths as a sandbox must recreate them. A path handed to the sandbox
// is canonical (no symlink in any component), so it can be bind-mounted at
// the same place in a fresh root after creating its parent folders. The
// symlinks met on the way (with merged /usr: /lib64 -> usr/lib64, and the
// loader's own /usr/lib64/ld-linux-x86-64.so.2 -> /lib/...) are recorded
// separately, because a program names the link (PT_INTERP, sys.executable)
// and the new root must answer to that name too.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Symlink is a link the sandbox recreates in its root: Path (canonical
// parent folder) pointing to Target, written exactly as on the host.
type Symlink struct {
	Path   string `json:"path"`
	Target string `json:"target"`
}

// errLinkLoop is returned for more than 40 links in one resolution, as the
// kernel's ELOOP limit.
var errLinkLoop = errors.New("too many levels of symbolic links")

// pathSet collects canonical paths and the symlinks that lead to them.
type pathSet struct {
	paths map[string]bool
	links map[string]string
}

func newPathSet() *pathSet {
	return &pathSet{paths: map[string]bool{}, links: map[string]string{}}
}

// add resolves p (absolute) component by component, records every symlink
// met and adds the canonical result. It returns the canonical path.
func (s *pathSet) add(p string) (string, error) {
	c, err := s.resolve(p)
	if err != nil {
		return "", err
	}
	s.paths[c] = true
	return c, nil
}

// merge adds every path and link of o.
func (s *pathSet) merge(o *pathSet) {
	for k := range o.paths {
		s.paths[k] = true
	}
	for k, v := range o.links {
		s.links[k] = v
	}
}

// resolve is filepath.EvalSymlinks that also records each link it follows.
func (s *pathSet) resolve(p string) (string, error) {
	if !filepath.IsAbs(p) {
		return "", fmt.Errorf("%s: not an absolute path", p)
	}
	rest := strings.Split(filepath.Clean(p), "/")[1:]
	cur := "/"
	for hops := 0; len(rest) > 0; {
		name := rest[0]
		rest = rest[1:]
		switch name {
		case "", ".":
			continue
		case "..":
			cur = filepath.Dir(cur)
			continue
		}
		next := filepath.Join(cur, name)
		fi, err := os.Lstat(next)
		if err != nil {
			return "", err
		}
		if fi.Mode()&os.ModeSymlink == 0 {
			cur = next
			continue
		}
		hops++
		if hops > 40 {
			return "", fmt.Errorf("%s: %w", p, errLinkLoop)
		}
		target, err := os.Readlink(next)
		if err != nil {
			return "", err
		}
		s.links[next] = target
		if filepath.IsAbs(target) {
			cur = "/"
		}
		rest = append(strings.Split(target, "/"), rest...)
	}
	return cur, nil
}

// result returns the paths and links, sorted, with a path dropped when a
// folder above it is in the set, and a link dropped when it lies inside a
// bound folder (the bind brings it along; creating it there would fail on
// a read-only mount).
func (s *pathSet) result() ([]string, []Symlink) {
	all := make([]string, 0, len(s.paths))
	for p := range s.paths {
		all = append(all, p)
	}
	sort.Strings(all)
	var dirs []string
	var out []string
	under := func(p string) bool {
		for _, d := range dirs {
			if p == d || strings.HasPrefix(p, d+"/") || d == "/" {
				return true
			}
		}
		return false
	}
	for _, p := range all {
		if under(p) {
			continue
		}
		out = append(out, p)
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			dirs = append(dirs, p)
		}
	}
	var links []Symlink
	for p, t := range s.links {
		if under(p) {
			continue
		}
		links = append(links, Symlink{Path: p, Target: t})
	}
	sort.Slice(links, func(i, j int) bool { return links[i].Path < links[j].Path })
	return out, links
}
