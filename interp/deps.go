package interp

// Shared-library closure of ELF objects, resolved the way glibc's ld.so
// does: a name with a slash is a path; otherwise DT_RPATH of the object
// and of the objects that loaded it (only when the object has no
// DT_RUNPATH), DT_RUNPATH of the object itself, /etc/ld.so.cache, then
// the default directories. LD_LIBRARY_PATH is ignored: the sandbox runs
// with a clean environment. A candidate must match the ELF class and
// machine of the object that needs it, as ld.so skips mismatches.

import (
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ErrNotELF is returned when a file that must be an ELF object is not one.
var ErrNotELF = errors.New("not an ELF executable")

// elfInfo is what the dependency walk needs of one object.
type elfInfo struct {
	class   elf.Class
	machine elf.Machine
	interp  string // PT_INTERP, executables only
	needed  []string
	rpath   []string
	runpath []string
}

func readELF(path string) (*elfInfo, error) {
	f, err := elf.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, err
		}
		// A FormatError, or EOF on a file shorter than an ELF header.
		return nil, fmt.Errorf("%s: %w (%v)", path, ErrNotELF, err)
	}
	defer f.Close()
	info := &elfInfo{class: f.Class, machine: f.Machine}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			b := make([]byte, p.Filesz)
			if _, err := p.ReadAt(b, 0); err != nil {
				return nil, fmt.Errorf("%s: reading PT_INTERP: %w", path, err)
			}
			info.interp = strings.TrimRight(string(b), "\x00")
		}
	}
	dynamic := false
	for _, p := range f.Progs {
		dynamic = dynamic || p.Type == elf.PT_DYNAMIC
	}
	if !dynamic && f.Section(".dynamic") == nil {
		return info, nil // static
	}
	if info.needed, err = f.ImportedLibraries(); err != nil {
		return nil, fmt.Errorf("%s: reading DT_NEEDED: %w", path, err)
	}
	origin := filepath.Dir(path)
	split := func(tag elf.DynTag) ([]string, error) {
		vals, err := f.DynString(tag)
		if err != nil {
			return nil, fmt.Errorf("%s: reading %v: %w", path, tag, err)
		}
		var out []string
		for _, v := range vals {
			for _, d := range strings.Split(v, ":") {
				if d == "" {
					continue
				}
				d = strings.ReplaceAll(d, "${ORIGIN}", origin)
				d = strings.ReplaceAll(d, "$ORIGIN", origin)
				out = append(out, d)
			}
		}
		return out, nil
	}
	if info.rpath, err = split(elf.DT_RPATH); err != nil {
		return nil, err
	}
	if info.runpath, err = split(elf.DT_RUNPATH); err != nil {
		return nil, err
	}
	return info, nil
}

// libSearch resolves sonames for one ELF class and machine.
type libSearch struct {
	cache       map[string][]string // soname -> paths, in cache order
	confDirs    []string            // used only when there is no cache
	defaultDirs []string
	// fromCache records libraries found only through ld.so.cache in a
	// directory the loader would not search by itself: the sandbox then
	// needs /etc/ld.so.cache too.
	fromCache bool
}

// defaultLibDirs are glibc's trusted directories for x86_64/arm64 Debian
// style multiarch systems and the classic ones; the ones that do not
// exist are skipped when searching.
func defaultLibDirs(m elf.Machine, c elf.Class) []string {
	var tuple, lib64 string
	switch m {
	case elf.EM_X86_64:
		tuple, lib64 = "x86_64-linux-gnu", "lib64"
	case elf.EM_AARCH64:
		tuple, lib64 = "aarch64-linux-gnu", "lib64"
	case elf.EM_386:
		tuple = "i386-linux-gnu"
	case elf.EM_RISCV:
		tuple, lib64 = "riscv64-linux-gnu", "lib64"
	}
	var dirs []string
	if tuple != "" {
		dirs = append(dirs, "/lib/"+tuple, "/usr/lib/"+tuple)
	}
	if lib64 != "" && c == elf.ELFCLASS64 {
		dirs = append(dirs, "/lib64", "/usr/lib64")
	}
	return append(dirs, "/lib", "/usr/lib")
}

func newLibSearch(cacheFile, confFile string, m elf.Machine, c elf.Class) *libSearch {
	s := &libSearch{defaultDirs: defaultLibDirs(m, c)}
	if es, err := ReadLDCache(cacheFile); err == nil {
		s.cache = map[string][]string{}
		for _, e := range es {
			s.cache[e.Name] = append(s.cache[e.Name], e.Path)
		}
	} else if dirs, err := ReadLDConf(confFile); err == nil || len(dirs) > 0 {
		s.confDirs = dirs
	}
	return s
}

// fits reports whether path is an ELF object of the wanted class and machine.
func fits(path string, want *elfInfo) bool {
	f, err := elf.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	return f.Class == want.class && f.Machine == want.machine
}

// find resolves soname needed by obj, whose loaders' RPATHs are inherited.
func (s *libSearch) find(soname string, obj *elfInfo, inherited []string) (string, bool) {
	if strings.Contains(soname, "/") {
		return soname, fits(soname, obj)
	}
	try := func(dirs []string) (string, bool) {
		for _, d := range dirs {
			p := filepath.Join(d, soname)
			if fits(p, obj) {
				return p, true
			}
		}
		return "", false
	}
	if len(obj.runpath) == 0 {
		if p, ok := try(obj.rpath); ok {
			return p, true
		}
		if p, ok := try(inherited); ok {
			return p, true
		}
	} else if p, ok := try(obj.runpath); ok {
		return p, true
	}
	if s.cache != nil {
		for _, p := range s.cache[soname] {
			if fits(p, obj) {
				if !inDirs(filepath.Dir(p), s.defaultDirs) {
					s.fromCache = true
				}
				return p, true
			}
		}
	} else if p, ok := try(s.confDirs); ok {
		return p, true
	}
	return try(s.defaultDirs)
}

func inDirs(d string, dirs []string) bool {
	for _, x := range dirs {
		if x == d {
			return true
		}
	}
	return false
}

// closure adds to set every library root needs, transitively. It returns
// the sonames that could not be found.
func (s *libSearch) closure(set *pathSet, rootPath string, root *elfInfo, done map[string]bool) (missing []string, err error) {
	type item struct {
		info      *elfInfo
		inherited []string
	}
	queue := []item{{root, nil}}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		inh := it.inherited
		if len(it.info.runpath) == 0 {
			inh = append(append([]string(nil), it.inherited...), it.info.rpath...)
		}
		for _, soname := range it.info.needed {
			p, ok := s.find(soname, it.info, inh)
			if !ok {
				missing = append(missing, soname)
				continue
			}
			canon, err := set.add(p)
			if err != nil {
				return missing, fmt.Errorf("library %s: %w", p, err)
			}
			if done[canon] {
				continue
			}
			done[canon] = true
			info, err := readELF(canon)
			if err != nil {
				return missing, fmt.Errorf("library %s: %w", canon, err)
			}
			queue = append(queue, item{info, inh})
		}
	}
	return missing, nil
}

// isELFExecutable reports whether path (symlinks followed) is a regular
// ELF executable or PIE with an execute bit.
func isELFExecutable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: %w (not a regular file)", path, ErrNotELF)
	}
	if fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s: %w (no execute permission)", path, ErrNotExecutable)
	}
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, ErrNotELF)
	}
	defer f.Close()
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return fmt.Errorf("%s: %w (ELF type %v)", path, ErrNotELF, f.Type)
	}
	return nil
}
