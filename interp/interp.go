// Package interp resolves the interpreter a sandboxed script runs under:
// from a name on PATH ("python3", which may be a pyenv shim, a bash
// script) or an absolute path, to the real ELF binary, its prefixes and
// version, and the minimal set of host paths a sandbox must bind
// read-only for it to run common scripts.
//
// Start with [Resolve]:
//
//	rt, err := interp.Resolve("python3")
//	// rt.Path: /root/.pyenv/versions/3.11.7/bin/python3.11
//	// rt.ReadOnlyPaths: the stdlib dir, the loader, every library the
//	//   binary and its extension modules need, a few system files
//	// rt.Symlinks: links to recreate in the new root (/lib64 -> usr/lib64)
//
// # Cost
//
// Finding the real binary means running the candidate once (~20 ms, more
// through a shim), and `cordon run` starts once per script. So results are
// cached in memory and on disk (the per-user state dir, see [CacheDir]),
// keyed by the candidate's path, inode, size and mtime (and for a pyenv
// shim the version selection it depends on) and validated against the
// binary and its lib-dynload folder. A stale or corrupt cache entry is
// ignored and rewritten. A cached Resolve costs a few stat calls.
//
// This package is on the sandbox's hot path: it imports no YAML, HTTP,
// tree-sitter or metrics code.
package interp

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// Errors callers branch on; each is wrapped with the name and path.
var (
	// ErrNotFound: the name is not on PATH, or the absolute path does not exist.
	ErrNotFound = errors.New("interpreter not found")
	// ErrNotExecutable: a directory, or a file without execute permission.
	ErrNotExecutable = errors.New("not an executable file")
	// ErrNotPython: the candidate ran but did not answer as a Python
	// interpreter does.
	ErrNotPython = errors.New("not a Python interpreter")
	// ErrBadName: neither a bare name nor an absolute path.
	ErrBadName = errors.New("interpreter must be a command name or an absolute path")
	// ErrMissingLibrary: the binary needs a shared library that cannot be found.
	ErrMissingLibrary = errors.New("shared library not found")
)

// Runtime is a resolved interpreter and what a sandbox needs to run it.
// Every path is absolute.
type Runtime struct {
	// Name is what was asked for ("python3" or an absolute path).
	Name string `json:"name"`
	// Source is the file Name led to: a PATH entry, maybe a pyenv shim.
	Source string `json:"source"`
	// Path is the real ELF binary, symlinks resolved.
	Path string `json:"path"`
	// Exec is what the sandbox executes: Path, or for a virtual
	// environment the venv's own link to it (Python finds pyvenv.cfg next
	// to the name it was started as). Its links are in Symlinks.
	Exec string `json:"exec"`
	// Prefix, BasePrefix and ExecPrefix are sys.prefix, sys.base_prefix
	// and sys.exec_prefix (they differ in a virtual environment).
	Prefix     string `json:"prefix"`
	BasePrefix string `json:"base_prefix"`
	ExecPrefix string `json:"exec_prefix"`
	// Version is "3.11.7"; VersionFull is sys.version.
	Version     string `json:"version"`
	VersionFull string `json:"version_full"`
	// LibDirs are the standard library folders (lib/python3.X and its
	// lib-dynload, canonical).
	LibDirs []string `json:"lib_dirs"`
	// SiteDirs are the other folders on the interpreter's sys.path (run
	// with -E -s): site-packages and dist-packages of the installation or
	// of the virtual environment, canonical. They are bound read-only,
	// and the libraries of every extension module in them are resolved.
	SiteDirs []string `json:"site_dirs,omitempty"`
	// Loader is the ELF program interpreter as the binary names it
	// (PT_INTERP, e.g. /lib64/ld-linux-x86-64.so.2); "" for a static binary.
	Loader string `json:"loader,omitempty"`
	// Libraries are the canonical paths of every shared library the
	// binary and its extension modules load.
	Libraries []string `json:"libraries"`
	// ReadOnlyPaths is the minimal set of canonical host paths (no symlink
	// in any component) the sandbox binds read-only at the same place:
	// files and folders, sorted, none inside another.
	ReadOnlyPaths []string `json:"read_only_paths"`
	// Symlinks are the links on the way to those paths that programs name
	// (PT_INTERP, merged-/usr /lib64), to recreate in the new root. None
	// lies inside a folder of ReadOnlyPaths. Sorted by path, so creating
	// them in order never meets a missing parent link.
	Symlinks []Symlink `json:"symlinks"`
	// Skipped lists extension modules left out, with the reason
	// ("_tkinter: needs a display ...", "nis: libtirpc.so.3 not found").
	Skipped []string `json:"skipped,omitempty"`
}

// Clone returns a deep copy, so callers may change what they get.
func (r *Runtime) Clone() *Runtime {
	c := *r
	c.LibDirs = slices.Clone(r.LibDirs)
	c.SiteDirs = slices.Clone(r.SiteDirs)
	c.Libraries = slices.Clone(r.Libraries)
	c.ReadOnlyPaths = slices.Clone(r.ReadOnlyPaths)
	c.Symlinks = slices.Clone(r.Symlinks)
	c.Skipped = slices.Clone(r.Skipped)
	return &c
}

// Resolve resolves name with the default resolver: memory and disk cache
// in [CacheDir].
func Resolve(name string) (*Runtime, error) {
	return defaultResolver.Resolve(context.Background(), name)
}

// ResolveContext is Resolve with a context bounding the probe run.
func ResolveContext(ctx context.Context, name string) (*Runtime, error) {
	return defaultResolver.Resolve(ctx, name)
}

var defaultResolver = &Resolver{CacheDir: CacheDir, Memory: true}

// findCandidate turns name into an existing executable file path.
func findCandidate(name string) (string, error) {
	var p string
	switch {
	case name == "":
		return "", fmt.Errorf("%w: empty name", ErrBadName)
	case filepath.IsAbs(name):
		p = filepath.Clean(name)
	case strings.Contains(name, "/"):
		return "", fmt.Errorf("%q: %w", name, ErrBadName)
	default:
		lp, err := exec.LookPath(name)
		if err != nil {
			return "", fmt.Errorf("%q on PATH: %w", name, ErrNotFound)
		}
		if p, err = filepath.Abs(lp); err != nil {
			return "", fmt.Errorf("%q: %w", name, err)
		}
	}
	fi, err := os.Stat(p)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "", fmt.Errorf("%s: %w", p, ErrNotFound)
	case err != nil:
		return "", fmt.Errorf("interpreter %s: %w", p, err)
	case fi.IsDir():
		return "", fmt.Errorf("%s: %w (a directory)", p, ErrNotExecutable)
	case !fi.Mode().IsRegular():
		return "", fmt.Errorf("%s: %w (not a regular file)", p, ErrNotExecutable)
	case fi.Mode().Perm()&0o111 == 0:
		return "", fmt.Errorf("%s: %w (no execute permission)", p, ErrNotExecutable)
	}
	return p, nil
}

// build runs the probe and walks the binary's dependencies.
func build(ctx context.Context, name, candidate string) (*Runtime, error) {
	res, err := runProbe(ctx, candidate)
	if err != nil {
		return nil, err
	}
	set := newPathSet()
	exe := res.Executable
	if !filepath.IsAbs(exe) {
		return nil, fmt.Errorf("%s: %w: sys.executable %q is not absolute", candidate, ErrNotPython, exe)
	}
	bin, err := set.resolve(exe)
	if err != nil {
		return nil, fmt.Errorf("%s: sys.executable: %w", candidate, err)
	}
	if err := isELFExecutable(bin); err != nil {
		return nil, fmt.Errorf("%s: sys.executable %s: %w", candidate, exe, err)
	}
	set.paths[bin] = true
	rt := &Runtime{
		Name: name, Source: candidate, Path: bin, Exec: bin,
		Version: res.Version, VersionFull: res.VersionFull,
	}
	canon := func(p string) string {
		if c, err := filepath.EvalSymlinks(p); err == nil {
			return c
		}
		return filepath.Clean(p)
	}
	rt.Prefix, rt.BasePrefix, rt.ExecPrefix = canon(res.Prefix), canon(res.BasePrefix), canon(res.ExecPrefix)
	if rt.Prefix != rt.BasePrefix {
		// A virtual environment: keep the venv's name for the binary, its
		// pyvenv.cfg and its site-packages.
		rt.Exec = filepath.Clean(exe)
		if _, err := set.add(filepath.Join(res.Prefix, "pyvenv.cfg")); err != nil {
			return nil, fmt.Errorf("%s: virtual environment %s: %w", candidate, res.Prefix, err)
		}
	}

	info, err := readELF(bin)
	if err != nil {
		return nil, err
	}
	if info.interp != "" {
		rt.Loader = info.interp
		if _, err := set.add(info.interp); err != nil {
			return nil, fmt.Errorf("%s: ELF loader: %w", bin, err)
		}
	}
	search := newLibSearch("/etc/ld.so.cache", "/etc/ld.so.conf", info.machine, info.class)
	done := map[string]bool{}
	missing, err := search.closure(set, bin, info, done)
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s: %w: %s", bin, ErrMissingLibrary, strings.Join(missing, ", "))
	}

	dynload, err := addLibDirs(rt, set, res)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", candidate, err)
	}
	if dynload != "" {
		if err := addExtensions(rt, set, search, dynload, done); err != nil {
			return nil, fmt.Errorf("%s: %w", candidate, err)
		}
	}
	for _, d := range rt.SiteDirs {
		if err := addSiteExtensions(rt, set, search, d, done); err != nil {
			return nil, fmt.Errorf("%s: %w", candidate, err)
		}
	}
	for _, soname := range dlopenedLibraries {
		trial := newPathSet()
		trialDone := map[string]bool{}
		for k := range done {
			trialDone[k] = true
		}
		probe := &elfInfo{class: info.class, machine: info.machine, needed: []string{soname}}
		if missing, err := search.closure(trial, bin, probe, trialDone); err != nil || len(missing) > 0 {
			continue // the host lacks it: the sandbox behaves as the host does
		}
		set.merge(trial)
		for k := range trialDone {
			done[k] = true
		}
	}
	for lib := range done {
		rt.Libraries = append(rt.Libraries, lib)
	}
	sort.Strings(rt.Libraries)
	if search.fromCache {
		// Some library lives where only ld.so.cache points the loader.
		if _, err := set.add("/etc/ld.so.cache"); err != nil {
			return nil, fmt.Errorf("ld.so.cache: %w", err)
		}
	}
	for _, p := range systemFiles {
		if _, err := set.add(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("system file %s: %w", p, err)
		}
	}
	rt.ReadOnlyPaths, rt.Symlinks = set.result()
	return rt, nil
}

// addLibDirs adds the folders of sys.path (as the interpreter reports it
// run with -E -s, like the sandbox's default runtime.args): the standard
// library folders under the base prefixes (lib/python3.X, lib-dynload,
// Python 2's plat-* and lib-tk) and the stdlib zip if present, and every
// other folder the interpreter imports from (site-packages and
// dist-packages of the installation, or of the virtual environment; a
// folder a .pth file adds), all read-only: the script imports what the
// interpreter outside would. It returns the canonical lib-dynload folder.
func addLibDirs(rt *Runtime, set *pathSet, res *probeResult) (string, error) {
	var dynload string
	bases := []string{res.BasePrefix, res.BaseExecPrefix, rt.BasePrefix, rt.ExecPrefix}
	under := func(p string, roots ...string) bool {
		for _, r := range roots {
			if r != "" && (p == r || strings.HasPrefix(p, strings.TrimSuffix(r, "/")+"/")) {
				return true
			}
		}
		return false
	}
	for _, e := range res.Path {
		if e == "" || !filepath.IsAbs(e) {
			continue
		}
		base := filepath.Base(e)
		isSite := base == "site-packages" || base == "dist-packages" || !under(e, bases...)
		fi, err := os.Stat(e)
		if err != nil {
			continue // python311.zip and friends are listed even when absent
		}
		c, err := set.add(e)
		if err != nil {
			return "", fmt.Errorf("sys.path entry %s: %w", e, err)
		}
		switch {
		case fi.IsDir() && isSite:
			rt.SiteDirs = append(rt.SiteDirs, c)
		case fi.IsDir():
			rt.LibDirs = append(rt.LibDirs, c)
		}
		if base == "lib-dynload" {
			dynload = c
		}
	}
	if len(rt.LibDirs) == 0 {
		return "", fmt.Errorf("%w: no standard library folder under %s in sys.path", ErrNotPython, rt.BasePrefix)
	}
	return dynload, nil
}

// addExtensions adds the libraries the extension modules in dir need.
// A module whose libraries are missing is skipped and said so: importing
// it fails in the sandbox exactly as it would on the host.
func addExtensions(rt *Runtime, set *pathSet, search *libSearch, dir string, done map[string]bool) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("lib-dynload: %w", err)
	}
	for _, e := range ents {
		n := e.Name()
		if !strings.HasSuffix(n, ".so") || e.IsDir() {
			continue
		}
		mod, _, _ := strings.Cut(n, ".")
		if why, ok := skippedModules[mod]; ok {
			rt.Skipped = append(rt.Skipped, mod+": "+why)
			continue
		}
		if err := addExtension(rt, set, search, filepath.Join(dir, n), mod, done); err != nil {
			return err
		}
	}
	return nil
}

// maxSiteObjects bounds the shared objects looked at under one site
// folder, so a huge environment cannot make resolution unbounded.
const maxSiteObjects = 20000

// addSiteExtensions adds the libraries of every shared object under a
// site folder (extension modules at any depth, and the libraries wheels
// bundle beside them, such as numpy.libs).
func addSiteExtensions(rt *Runtime, set *pathSet, search *libSearch, dir string, done map[string]bool) error {
	n := 0
	return filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return nil // an unreadable folder is one the script cannot import from either
		}
		name := d.Name()
		if d.IsDir() {
			if name == "__pycache__" {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !(strings.HasSuffix(name, ".so") || strings.Contains(name, ".so.")) {
			return nil
		}
		if n++; n > maxSiteObjects {
			return filepath.SkipAll
		}
		rel, _ := filepath.Rel(dir, p)
		return addExtension(rt, set, search, p, rel, done)
	})
}

// addExtension adds the libraries the shared object at p needs, or records
// it as skipped (named mod) when one is missing.
func addExtension(rt *Runtime, set *pathSet, search *libSearch, p, mod string, done map[string]bool) error {
	info, err := readELF(p)
	if err != nil {
		rt.Skipped = append(rt.Skipped, fmt.Sprintf("%s: %v", mod, err))
		return nil
	}
	trial := newPathSet()
	trialDone := map[string]bool{}
	for k := range done {
		trialDone[k] = true
	}
	missing, err := search.closure(trial, p, info, trialDone)
	if err != nil {
		return fmt.Errorf("extension %s: %w", p, err)
	}
	if len(missing) > 0 {
		rt.Skipped = append(rt.Skipped, fmt.Sprintf("%s: %s not found", mod, strings.Join(missing, ", ")))
		return nil
	}
	set.merge(trial)
	for k := range trialDone {
		done[k] = true
	}
	return nil
}
