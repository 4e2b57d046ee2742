package interp

// Programs a script may run besides the interpreter (policy runtime.tools):
// each is found like a shell would with the sandbox's fixed PATH, must be
// an ELF executable, and comes with the shared libraries it loads and the
// links on the way to it (/bin/sh -> dash, /bin -> usr/bin), so the
// script finds it by the name it knows.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ToolPath is the PATH of the sandbox, where tool names are looked up.
var ToolPath = []string{"/usr/local/bin", "/usr/bin", "/bin"}

// ErrToolNotFound: a tool name is in none of the ToolPath folders.
var ErrToolNotFound = errors.New("program not found")

// Tools is what a sandbox binds for a list of programs.
type Tools struct {
	// Paths are canonical host paths to bind read-only at the same place:
	// the programs and their libraries.
	Paths []string `json:"paths"`
	// Symlinks are the links on the way, to recreate in the new root.
	Symlinks []Symlink `json:"symlinks"`
}

// ResolveTools finds each named program (a name in [ToolPath] or an
// absolute path) and the shared libraries it loads.
func ResolveTools(names []string) (*Tools, error) {
	set := newPathSet()
	for _, name := range names {
		p, err := findTool(name)
		if err != nil {
			return nil, err
		}
		// Record the links met on the way to the name the script uses,
		// under every PATH folder that has it (subprocess's shell=True
		// runs /bin/sh, a shell's PATH finds /usr/bin/sh first).
		bin, err := set.add(p)
		if err != nil {
			return nil, fmt.Errorf("tool %s: %w", name, err)
		}
		if !filepath.IsAbs(name) {
			for _, d := range ToolPath {
				trial := newPathSet()
				if c, err := trial.resolve(filepath.Join(d, name)); err == nil && c == bin {
					set.merge(trial)
				}
			}
		}
		if err := isELFExecutable(bin); err != nil {
			return nil, fmt.Errorf("tool %s: %w (only compiled programs can be tools; a script needs its interpreter listed too)", name, err)
		}
		info, err := readELF(bin)
		if err != nil {
			return nil, fmt.Errorf("tool %s: %w", name, err)
		}
		if info.interp != "" {
			if _, err := set.add(info.interp); err != nil {
				return nil, fmt.Errorf("tool %s: ELF loader: %w", name, err)
			}
		}
		search := newLibSearch("/etc/ld.so.cache", "/etc/ld.so.conf", info.machine, info.class)
		missing, err := search.closure(set, bin, info, map[string]bool{})
		if err != nil {
			return nil, fmt.Errorf("tool %s: %w", name, err)
		}
		if len(missing) > 0 {
			return nil, fmt.Errorf("tool %s: %w: %s", name, ErrMissingLibrary, strings.Join(missing, ", "))
		}
	}
	t := &Tools{}
	t.Paths, t.Symlinks = set.result()
	return t, nil
}

// findTool returns the path of a program name as the sandbox's PATH finds
// it (the first folder holding an executable file of that name).
func findTool(name string) (string, error) {
	if filepath.IsAbs(name) {
		if _, err := os.Stat(name); err != nil {
			return "", fmt.Errorf("tool %s: %w", name, err)
		}
		return name, nil
	}
	for _, d := range ToolPath {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("tool %s: %w in %s", name, ErrToolNotFound, strings.Join(ToolPath, ":"))
}
