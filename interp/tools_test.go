package interp

import (
	"errors"
	"os"
	"slices"
	"testing"
)

func TestResolveTools(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh on this host")
	}
	tl, err := ResolveTools([]string{"sh"})
	if err != nil {
		t.Fatal(err)
	}
	sh, err := os.Readlink("/bin/sh")
	t.Logf("paths %v links %v (/bin/sh -> %s)", tl.Paths, tl.Symlinks, sh)
	// The program, its loader and libc are bound; every path exists and
	// is canonical.
	if len(tl.Paths) < 2 {
		t.Errorf("paths %v: want the program and its libraries", tl.Paths)
	}
	for _, p := range tl.Paths {
		if c, err := (newPathSet()).resolve(p); err != nil || c != p {
			t.Errorf("path %s is not canonical (%s, %v)", p, c, err)
		}
	}
	// Whatever links lead from /bin/sh to the binary are recreated.
	if err == nil {
		found := slices.ContainsFunc(tl.Symlinks, func(l Symlink) bool { return l.Target == sh })
		if !found {
			t.Errorf("links %v: the /bin/sh -> %s link is missing", tl.Symlinks, sh)
		}
	}

	if _, err := ResolveTools([]string{"no-such-program-cordon"}); !errors.Is(err, ErrToolNotFound) {
		t.Errorf("missing program: err %v, want ErrToolNotFound", err)
	}
	if _, err := os.Stat("/usr/bin/ldd"); err == nil {
		// ldd is a shell script: a tool must be compiled.
		if _, err := ResolveTools([]string{"/usr/bin/ldd"}); !errors.Is(err, ErrNotELF) {
			t.Errorf("a script as a tool: err %v, want ErrNotELF", err)
		}
	}
	if tl, err := ResolveTools(nil); err != nil || len(tl.Paths) != 0 {
		t.Errorf("no tools: %v, %v", tl, err)
	}
}
