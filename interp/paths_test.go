package interp

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestPathSet(t *testing.T) {
	d, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	mk := func(p string) {
		if err := os.MkdirAll(filepath.Join(d, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ln := func(target, p string) {
		if err := os.Symlink(target, filepath.Join(d, p)); err != nil {
			t.Fatal(err)
		}
	}
	mk("usr/lib/x")
	if err := os.WriteFile(filepath.Join(d, "usr/lib/x/libz.so.1.2"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ln("usr/lib", "lib")                           // relative, merged-/usr style
	ln("libz.so.1.2", "usr/lib/x/libz.so.1")       // soname link
	ln(filepath.Join(d, "lib/x/libz.so.1"), "abs") // absolute, through another link
	ln("loop-b", "loop-a")
	ln("loop-a", "loop-b")

	s := newPathSet()
	c, err := s.add(filepath.Join(d, "abs"))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(d, "usr/lib/x/libz.so.1.2"); c != want {
		t.Fatalf("canonical %q, want %q", c, want)
	}
	paths, links := s.result()
	if !reflect.DeepEqual(paths, []string{c}) {
		t.Fatalf("paths %v", paths)
	}
	want := []Symlink{
		{filepath.Join(d, "abs"), filepath.Join(d, "lib/x/libz.so.1")},
		{filepath.Join(d, "lib"), "usr/lib"},
		{filepath.Join(d, "usr/lib/x/libz.so.1"), "libz.so.1.2"},
	}
	if !reflect.DeepEqual(links, want) {
		t.Fatalf("links %v, want %v", links, want)
	}

	// A bound folder swallows paths and links inside it.
	if _, err := s.add(filepath.Join(d, "usr/lib")); err != nil {
		t.Fatal(err)
	}
	paths, links = s.result()
	if !reflect.DeepEqual(paths, []string{filepath.Join(d, "usr/lib")}) || len(links) != 2 {
		t.Fatalf("after binding usr/lib: %v %v", paths, links)
	}

	if _, err := s.add(filepath.Join(d, "loop-a")); !errors.Is(err, errLinkLoop) {
		t.Fatalf("loop: %v", err)
	}
	if _, err := s.add(filepath.Join(d, "absent")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("absent: %v", err)
	}
	if _, err := s.add("relative"); err == nil {
		t.Fatal("relative path accepted")
	}
}
