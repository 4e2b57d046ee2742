package interp

import (
	"context"
	"debug/elf"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fresh returns a resolver with no caches, so each call really resolves.
func fresh() *Resolver { return &Resolver{} }

func writeExec(t *testing.T, path, body string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func debianPython(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Skip("no /usr/bin/python3 on this host")
	}
	return "/usr/bin/python3"
}

func assertRuntime(t *testing.T, rt *Runtime) {
	t.Helper()
	if !filepath.IsAbs(rt.Path) {
		t.Fatalf("Path %q not absolute", rt.Path)
	}
	if c, err := filepath.EvalSymlinks(rt.Path); err != nil || c != rt.Path {
		t.Fatalf("Path %q not canonical (%q, %v)", rt.Path, c, err)
	}
	f, err := elf.Open(rt.Path)
	if err != nil {
		t.Fatalf("Path %q not ELF: %v", rt.Path, err)
	}
	f.Close()
	if !strings.HasPrefix(rt.Version, "3.") && !strings.HasPrefix(rt.Version, "2.") {
		t.Fatalf("Version %q", rt.Version)
	}
	has := func(p string) bool {
		for _, r := range rt.ReadOnlyPaths {
			if p == r || strings.HasPrefix(p, r+"/") {
				return true
			}
		}
		return false
	}
	for _, want := range append([]string{rt.Path}, rt.LibDirs...) {
		if !has(want) {
			t.Errorf("ReadOnlyPaths lacks %s", want)
		}
	}
	for i, p := range rt.ReadOnlyPaths {
		if c, err := filepath.EvalSymlinks(p); err != nil || c != p {
			t.Errorf("ReadOnlyPaths[%d] %q not canonical", i, p)
		}
		if strings.HasPrefix(p, "/etc/passwd") || strings.HasPrefix(p, "/etc/shadow") || p == "/etc/ssl/private" || p == "/etc" || p == "/" {
			t.Errorf("ReadOnlyPaths has %q", p)
		}
		if i > 0 && (p <= rt.ReadOnlyPaths[i-1] || strings.HasPrefix(p, rt.ReadOnlyPaths[i-1]+"/")) {
			t.Errorf("ReadOnlyPaths not sorted and disjoint at %q", p)
		}
	}
	if rt.Loader != "" {
		if p, ok := inNewRoot(rt, rt.Loader); !ok {
			t.Errorf("loader %s leads to %s, which is not bound", rt.Loader, p)
		}
	}
	if p, ok := inNewRoot(rt, rt.Exec); !ok {
		t.Errorf("Exec %s leads to %s, which is not bound", rt.Exec, p)
	}
	libc := false
	for _, l := range rt.Libraries {
		libc = libc || strings.HasSuffix(l, "/libc.so.6")
	}
	if !libc && rt.Loader != "" {
		t.Errorf("no libc among %v", rt.Libraries)
	}
}

// inNewRoot resolves p as the kernel would in a root holding only
// rt.ReadOnlyPaths and rt.Symlinks, and says whether it ends at a bound path.
func inNewRoot(rt *Runtime, p string) (string, bool) {
	links := map[string]string{}
	for _, l := range rt.Symlinks {
		links[l.Path] = l.Target
	}
	rest := strings.Split(strings.TrimPrefix(p, "/"), "/")
	cur := "/"
	for hops := 0; len(rest) > 0 && hops < 40; {
		next := filepath.Join(cur, rest[0])
		rest = rest[1:]
		if t, ok := links[next]; ok {
			hops++
			if filepath.IsAbs(t) {
				cur = "/"
			}
			rest = append(strings.Split(strings.Trim(t, "/"), "/"), rest...)
			continue
		}
		cur = next
	}
	for _, r := range rt.ReadOnlyPaths {
		if cur == r || strings.HasPrefix(cur, r+"/") {
			return cur, true
		}
	}
	return cur, false
}

func TestResolvePATH(t *testing.T) {
	lp, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 on PATH")
	}
	rt, err := fresh().Resolve(context.Background(), "python3")
	if err != nil {
		t.Fatal(err)
	}
	assertRuntime(t, rt)
	if rt.Source != lp && !strings.HasSuffix(lp, rt.Source) {
		t.Errorf("Source %q, LookPath %q", rt.Source, lp)
	}
	if isPyenvShim(rt.Source) {
		// The shim is a script; the answer must be the version's binary.
		if rt.Path == rt.Source || !strings.Contains(rt.Path, "/versions/") {
			t.Errorf("shim %s resolved to %s", rt.Source, rt.Path)
		}
		if !strings.HasPrefix(rt.Path, rt.Prefix+"/bin/") {
			t.Errorf("Path %s not in Prefix %s", rt.Path, rt.Prefix)
		}
	}
	t.Logf("python3 -> %s (%s), %d read-only paths, %d links", rt.Path, rt.Version, len(rt.ReadOnlyPaths), len(rt.Symlinks))
}

func TestResolveAbsolute(t *testing.T) {
	py := debianPython(t)
	rt, err := fresh().Resolve(context.Background(), py)
	if err != nil {
		t.Fatal(err)
	}
	assertRuntime(t, rt)
	want, _ := filepath.EvalSymlinks(py)
	if rt.Path != want || rt.Exec != want {
		t.Fatalf("Path %q Exec %q, want %q", rt.Path, rt.Exec, want)
	}
	if rt.Prefix != "/usr" {
		t.Errorf("Prefix %q", rt.Prefix)
	}
}

func TestResolveErrors(t *testing.T) {
	d := t.TempDir()
	noexec := filepath.Join(d, "noexec")
	if err := os.WriteFile(noexec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	notPython := writeExec(t, filepath.Join(d, "notpython"), "#!/bin/sh\necho hello\n")
	failing := writeExec(t, filepath.Join(d, "failing"), "#!/bin/sh\necho 'SyntaxError: boom' >&2\nexit 3\n")
	// Answers the probe, but claims a shell script is its binary.
	liar := filepath.Join(d, "liar")
	writeExec(t, liar, "#!/bin/sh\nprintf '{\"magic\":\""+probeMagic+"\",\"executable\":\""+liar+"\",\"prefix\":\"/usr\",\"base_prefix\":\"/usr\",\"exec_prefix\":\"/usr\",\"base_exec_prefix\":\"/usr\",\"version\":\"3.0.0\",\"path\":[]}'\n")
	hanging := writeExec(t, filepath.Join(d, "chatty"), "#!/bin/sh\nprintf '{\"magic\":\""+probeMagic+"\",\"executable\":\"/bin/sh\"}{}'\n")
	tests := []struct {
		name string
		in   string
		want error
		msg  string
	}{
		{"empty", "", ErrBadName, "empty"},
		{"relative path", "./python3", ErrBadName, "./python3"},
		{"missing name", "cordon-no-such-interpreter-xyz", ErrNotFound, "cordon-no-such-interpreter-xyz"},
		{"missing path", filepath.Join(d, "absent"), ErrNotFound, "absent"},
		{"directory", d, ErrNotExecutable, "directory"},
		{"no execute bit", noexec, ErrNotExecutable, "permission"},
		{"script that is not python", notPython, ErrNotPython, "did not answer"},
		{"failing script", failing, ErrNotPython, "SyntaxError: boom"},
		{"non-ELF executable", liar, ErrNotELF, "liar"},
		{"extra output", hanging, ErrNotPython, "extra output"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt, err := fresh().Resolve(context.Background(), tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Resolve(%q) = %v, %v; want %v", tt.in, rt, err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("error %q does not say %q", err, tt.msg)
			}
		})
	}
}

// countingShim wraps /usr/bin/python3 like a pyenv shim would, counting
// its runs in a file, so a test sees whether Resolve ran it.
func countingShim(t *testing.T) (shim, counter string) {
	py := debianPython(t)
	d := t.TempDir()
	counter = filepath.Join(d, "runs")
	shim = writeExec(t, filepath.Join(d, "py"), "#!/bin/sh\necho run >> "+counter+"\nexec "+py+" \"$@\"\n")
	return shim, counter
}

func runs(t *testing.T, counter string) int {
	b, err := os.ReadFile(counter)
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "run")
}

func TestCache(t *testing.T) {
	shim, counter := countingShim(t)
	cache := t.TempDir()
	newRes := func() *Resolver { return &Resolver{CacheDir: func() string { return cache }, Memory: true} }
	ctx := context.Background()

	r1 := newRes()
	first, err := r1.Resolve(ctx, shim)
	if err != nil {
		t.Fatal(err)
	}
	if n := runs(t, counter); n != 1 {
		t.Fatalf("first resolve ran the shim %d times", n)
	}
	// Memory hit; the caller's copy is its own.
	first.ReadOnlyPaths[0] = "/mutated"
	again, err := r1.Resolve(ctx, shim)
	if err != nil || runs(t, counter) != 1 || again.ReadOnlyPaths[0] == "/mutated" {
		t.Fatalf("memory cache: err %v, runs %d, %v", err, runs(t, counter), again.ReadOnlyPaths[0])
	}
	// Disk hit from a new process's resolver.
	if _, err := newRes().Resolve(ctx, shim); err != nil || runs(t, counter) != 1 {
		t.Fatalf("disk cache: err %v, runs %d", err, runs(t, counter))
	}
	files, _ := filepath.Glob(filepath.Join(cache, "*.json"))
	if len(files) != 1 {
		t.Fatalf("cache files %v", files)
	}

	// A corrupt entry is ignored and rewritten.
	if err := os.WriteFile(files[0], []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := newRes().Resolve(ctx, shim); err != nil || runs(t, counter) != 2 {
		t.Fatalf("corrupt cache: err %v, runs %d", err, runs(t, counter))
	}
	if _, err := newRes().Resolve(ctx, shim); err != nil || runs(t, counter) != 2 {
		t.Fatalf("rewritten cache not used: err %v, runs %d", err, runs(t, counter))
	}

	// A changed candidate (new mtime) makes the entry stale, in memory too.
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(shim, later, later); err != nil {
		t.Fatal(err)
	}
	if _, err := r1.Resolve(ctx, shim); err != nil || runs(t, counter) != 3 {
		t.Fatalf("stale cache: err %v, runs %d", err, runs(t, counter))
	}

	// An entry whose checked files changed is stale: forge one with a
	// wrong binary identity under the current key.
	key, err := cacheKey(shim, shim)
	if err != nil {
		t.Fatal(err)
	}
	var cur string
	var e *cacheEntry
	files, _ = filepath.Glob(filepath.Join(cache, "*.json"))
	for _, f := range files {
		if x := readEntry(f); x != nil && x.Key == key {
			cur, e = f, x
		}
	}
	if e == nil || len(e.Checks) == 0 {
		t.Fatalf("no cache entry for the current key among %v", files)
	}
	e.Checks[0].ID.Ino++
	if err := writeEntry(cur, e); err != nil {
		t.Fatal(err)
	}
	if _, err := newRes().Resolve(ctx, shim); err != nil || runs(t, counter) != 4 {
		t.Fatalf("forged entry trusted: err %v, runs %d", err, runs(t, counter))
	}

	// An entry others may write is not believed, however valid.
	if err := os.Chmod(cur, 0o666); err != nil {
		t.Fatal(err)
	}
	if _, err := newRes().Resolve(ctx, shim); err != nil || runs(t, counter) != 5 {
		t.Fatalf("world-writable entry trusted: err %v, runs %d", err, runs(t, counter))
	}
	if err := os.Chmod(cache, 0o777); err != nil {
		t.Fatal(err)
	}
	if _, err := newRes().Resolve(ctx, shim); err != nil || runs(t, counter) != 6 {
		t.Fatalf("entry in a world-writable folder trusted: err %v, runs %d", err, runs(t, counter))
	}
	// ... and the rewrite made the folder private again.
	if fi, err := os.Stat(cache); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("cache folder not made private: %v %v", fi.Mode(), err)
	}
	if _, err := newRes().Resolve(ctx, shim); err != nil || runs(t, counter) != 6 {
		t.Fatalf("rewritten private entry not used: err %v, runs %d", err, runs(t, counter))
	}

	// An unwritable cache dir only costs time.
	ro := &Resolver{CacheDir: func() string { return "/proc/cordon-cannot-write" }}
	if _, err := ro.Resolve(ctx, shim); err != nil {
		t.Fatalf("unwritable cache dir: %v", err)
	}
}

func TestCacheDir(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", "/x/state")
	if got := CacheDir(); got != "/x/state/cordon/interp" {
		t.Fatalf("CacheDir = %q", got)
	}
	t.Setenv("XDG_STATE_HOME", "relative")
	if got := CacheDir(); got == "" || strings.HasPrefix(got, "relative") {
		t.Fatalf("relative XDG_STATE_HOME used: %q", got)
	}
}

func TestPyenvSelectionKey(t *testing.T) {
	root := t.TempDir()
	shim := filepath.Join(root, "shims", "python3")
	t.Setenv("PYENV_ROOT", root)
	t.Setenv("PYENV_DIR", t.TempDir())
	t.Setenv("PYENV_VERSION", "")
	base := pyenvSelection(shim)
	if err := os.WriteFile(filepath.Join(root, "version"), []byte("3.12.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	global := pyenvSelection(shim)
	if global == base {
		t.Fatal("pyenv global version file not in the key")
	}
	local := os.Getenv("PYENV_DIR")
	if err := os.WriteFile(filepath.Join(local, ".python-version"), []byte("3.10.13\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if pyenvSelection(shim) == global {
		t.Fatal(".python-version not in the key")
	}
	t.Setenv("PYENV_VERSION", "3.9.18")
	if !strings.Contains(pyenvSelection(shim), "PYENV_VERSION=3.9.18") {
		t.Fatal("PYENV_VERSION not in the key")
	}
}

func BenchmarkResolve(b *testing.B) {
	name := "python3"
	if _, err := exec.LookPath(name); err != nil {
		b.Skip("no python3 on PATH")
	}
	ctx := context.Background()
	b.Run("uncached", func(b *testing.B) {
		for b.Loop() {
			if _, err := fresh().Resolve(ctx, name); err != nil {
				b.Fatal(err)
			}
		}
	})
	dir := b.TempDir()
	b.Run("disk", func(b *testing.B) {
		if _, err := (&Resolver{CacheDir: func() string { return dir }}).Resolve(ctx, name); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := (&Resolver{CacheDir: func() string { return dir }}).Resolve(ctx, name); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("memory", func(b *testing.B) {
		r := &Resolver{CacheDir: func() string { return dir }, Memory: true}
		for b.Loop() {
			if _, err := r.Resolve(ctx, name); err != nil {
				b.Fatal(err)
			}
		}
	})
}
