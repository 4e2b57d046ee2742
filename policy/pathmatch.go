package policy

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Access is what a PathMatcher allows at a path.
type Access int

const (
	Denied Access = iota
	ReadOnly
	ReadWrite
)

func (a Access) String() string {
	switch a {
	case ReadOnly:
		return "read-only"
	case ReadWrite:
		return "read-write"
	}
	return "denied"
}

// PathMatcher decides access to host paths from a Filesystem section.
// Deny by default; deny wins over both allow lists; among allow entries the
// most specific (longest) one decides, so a read_only folder inside a
// read_write one stays read-only. Prefixes match whole path components:
// /data allows /data/x but not /database.
type PathMatcher struct {
	ro, rw, deny []string
}

// NewPathMatcher builds a matcher from fs, whose paths must be absolute
// (as in an effective policy).
func NewPathMatcher(fs Filesystem) (*PathMatcher, error) {
	m := &PathMatcher{}
	for _, l := range []struct {
		in  []string
		out *[]string
	}{{fs.ReadOnly, &m.ro}, {fs.ReadWrite, &m.rw}, {fs.Deny, &m.deny}} {
		for _, p := range l.in {
			if !filepath.IsAbs(p) {
				return nil, errors.New("path matcher: " + p + " is not absolute")
			}
			*l.out = append(*l.out, filepath.Clean(p))
		}
	}
	return m, nil
}

// Decide returns the access allowed at path. The path is resolved first:
// ".." is applied lexically only after symlinks (as the kernel would), and
// a symlink inside an allowed folder that points out of it is decided by
// where it points. A relative path is denied.
func (m *PathMatcher) Decide(path string) Access {
	if !filepath.IsAbs(path) || strings.ContainsRune(path, 0) {
		return Denied
	}
	real, ok := resolve(path)
	if !ok {
		return Denied
	}
	return m.DecideResolved(real)
}

// DecideResolved decides an absolute path taken as already resolved (no
// symlinks in it); it is cleaned lexically.
func (m *PathMatcher) DecideResolved(path string) Access {
	if !filepath.IsAbs(path) {
		return Denied
	}
	path = filepath.Clean(path)
	for _, d := range m.deny {
		if within(path, d) {
			return Denied
		}
	}
	best, access := -1, Denied
	for _, p := range m.ro {
		if within(path, p) && len(p) > best {
			best, access = len(p), ReadOnly
		}
	}
	for _, p := range m.rw {
		if within(path, p) && len(p) > best {
			best, access = len(p), ReadWrite
		}
	}
	return access
}

// within reports whether path is dir or inside it, on whole components.
func within(path, dir string) bool {
	if dir == "/" {
		return true
	}
	return path == dir || strings.HasPrefix(path, dir+"/")
}

// resolve follows symlinks component by component, the way the kernel
// walks a path ("a/link/.." is the parent of the link's target, not a).
// Components that do not exist are appended as written.
func resolve(path string) (string, bool) {
	parts := strings.Split(path, "/")
	cur := "/"
	for i := 0; i < len(parts); i++ {
		part := parts[i]
		switch part {
		case "", ".":
			continue
		case "..":
			cur = filepath.Dir(cur)
			continue
		}
		next := filepath.Join(cur, part)
		fi, err := os.Lstat(next)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			cur = next
			continue
		}
		if i > 255 {
			return "", false // a symlink loop (ELOOP for the kernel)
		}
		target, err := os.Readlink(next)
		if err != nil {
			cur = next
			continue
		}
		if filepath.IsAbs(target) {
			cur = "/"
		}
		rest := append(strings.Split(target, "/"), parts[i+1:]...)
		parts = append(parts[:i+1:i+1], rest...)
		// The loop bound above counts expansions too: a symlink loop ends
		// denied instead of running forever.
	}
	return cur, true
}
