package policy

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// CanonPath makes p (absolute, or relative to dir) canonical: cleaned,
// absolute, with no symlink in it. It refuses ".." segments (write the path
// they mean) and a path that goes through a symlink (naming where it
// resolves, so the policy says what it really allows). With mustExist, a
// path that does not exist is refused too; otherwise the deepest existing
// ancestor is checked for symlinks.
func CanonPath(dir, p string, mustExist bool) (string, error) {
	if p == "" {
		return "", errors.New("empty path")
	}
	if strings.ContainsRune(p, 0) {
		return "", errors.New("path contains a NUL byte")
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return "", fmt.Errorf("path %q has a \"..\" segment: write the path it means", p)
		}
	}
	abs := p
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(dir, p)
	}
	abs = filepath.Clean(abs)
	real, err := filepath.EvalSymlinks(abs)
	if err == nil {
		if real != abs {
			return "", fmt.Errorf("path %q goes through a symlink: it resolves to %s (write that path instead)", p, real)
		}
		return abs, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("path %q: %v", p, unwrapPathErr(err))
	}
	if mustExist {
		return "", fmt.Errorf("path %q does not exist", abs)
	}
	// Check the deepest existing ancestor: a missing deny path under a
	// symlinked folder would deny nothing.
	anc := abs
	for anc != "/" {
		anc = filepath.Dir(anc)
		if _, err := os.Lstat(anc); err == nil {
			break
		}
	}
	real, err = filepath.EvalSymlinks(anc)
	if err == nil && real != anc {
		return "", fmt.Errorf("path %q goes through a symlink: %s resolves to %s (write that path instead)", p, anc, real)
	}
	return abs, nil
}

// normalize canonicalises the layer's paths against its folder and
// normalises domains and CIDRs, reporting problems at their elements.
func (l *layer) normalize() Errors {
	var errs Errors
	fsys := &l.p.Filesystem
	for _, list := range []struct {
		field     string
		paths     []string
		mustExist bool
	}{
		{"filesystem.read_only", fsys.ReadOnly, true},
		{"filesystem.read_write", fsys.ReadWrite, true},
		{"filesystem.deny", fsys.Deny, false},
	} {
		for i, p := range list.paths {
			f := indexPath(list.field, i)
			if l.hasErrorAt(f) {
				continue
			}
			c, err := CanonPath(l.dir, p, list.mustExist)
			if err != nil {
				errs = append(errs, errAt(l.pos[f], f, "%v", err))
				continue
			}
			list.paths[i] = c
		}
	}
	if v := l.p.Runtime.Venv; l.set["runtime.venv"] && v != "" && !l.hasErrorAt("runtime.venv") {
		if c, err := CanonPath(l.dir, v, true); err != nil {
			errs = append(errs, errAt(l.pos["runtime.venv"], "runtime.venv", "%v", err))
		} else {
			l.p.Runtime.Venv = c
		}
	}
	for _, f := range []struct {
		field string
		val   *string
	}{{"audit.dir", &l.p.Audit.Dir}, {"audit.signing_key", &l.p.Audit.SigningKey}} {
		if !l.set[f.field] || *f.val == "" {
			continue
		}
		c, err := CanonPath(l.dir, *f.val, false)
		if err != nil {
			errs = append(errs, errAt(l.pos[f.field], f.field, "%v", err))
			continue
		}
		*f.val = c
	}
	if w := l.p.Audit.Witness; l.set["audit.witness"] && w != "" && !strings.HasPrefix(w, "exec:") {
		c, err := CanonPath(l.dir, w, false)
		if err != nil {
			errs = append(errs, errAt(l.pos["audit.witness"], "audit.witness", "%v", err))
		} else {
			l.p.Audit.Witness = c
		}
	}
	for i, d := range l.p.Network.Domains {
		f := indexPath("network.domains", i)
		if l.hasErrorAt(f) {
			continue
		}
		n, err := NormalizeDomain(d)
		if err != nil {
			errs = append(errs, errAt(l.pos[f], f, "%v", err))
			continue
		}
		l.p.Network.Domains[i] = n
	}
	for i, c := range l.p.Network.CIDRs {
		f := indexPath("network.cidrs", i)
		if l.hasErrorAt(f) {
			continue
		}
		n, err := NormalizeCIDR(c)
		if err != nil {
			errs = append(errs, errAt(l.pos[f], f, "%v", err))
			continue
		}
		l.p.Network.CIDRs[i] = n.String()
	}
	return errs
}

// hasErrorAt reports whether decoding already failed at field (its value is
// then zero and not worth a second error).
func (l *layer) hasErrorAt(field string) bool { return l.bad[field] }
