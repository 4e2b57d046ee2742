package interp

// The dynamic loader's own search data: /etc/ld.so.cache (written by
// ldconfig) and the ld.so.conf files it is built from. Both are parsed
// defensively: a corrupt cache is an error, never a panic, and the ELF
// checks in deps.go decide whether a candidate library really fits.

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// CacheEntry is one library in ld.so.cache: its soname and the path the
// loader opens for it.
type CacheEntry struct {
	Name  string
	Path  string
	Flags int32
}

// ErrBadLDCache is returned for a file that is not a readable ld.so.cache.
var ErrBadLDCache = errors.New("not a valid ld.so.cache")

const (
	ldCacheOldMagic = "ld.so-1.7.0"
	ldCacheNewMagic = "glibc-ld.so.cache1.1"
	// struct cache_file_new: magic[17] version[3] nlibs len_strings
	// flags padding[3] extension_offset unused[3]
	ldCacheNewHeader = 48
	ldCacheNewEntry  = 24 // flags key value osversion hwcap(u64)
	ldCacheOldHeader = 16 // magic[11] (padded to 12) nlibs
	ldCacheOldEntry  = 12 // flags key value
	ldCacheMaxLibs   = 1 << 20
)

// ParseLDCache parses the bytes of an ld.so.cache file in glibc's new
// format ("glibc-ld.so.cache1.1"), alone or after an old-format
// ("ld.so-1.7.0") block. String offsets in the new format count from the
// start of the new header.
func ParseLDCache(b []byte) ([]CacheEntry, error) {
	base := 0
	if bytes.HasPrefix(b, []byte(ldCacheOldMagic)) {
		if len(b) < ldCacheOldHeader {
			return nil, fmt.Errorf("%w: short old header", ErrBadLDCache)
		}
		n := binary.LittleEndian.Uint32(b[12:16])
		if n > ldCacheMaxLibs {
			return nil, fmt.Errorf("%w: %d old entries", ErrBadLDCache, n)
		}
		base = ldCacheOldHeader + int(n)*ldCacheOldEntry
		base = (base + 7) &^ 7 // aligned to struct cache_file_new
		if base > len(b) {
			return nil, fmt.Errorf("%w: old entries past the end", ErrBadLDCache)
		}
	}
	nb := b[base:]
	if !bytes.HasPrefix(nb, []byte(ldCacheNewMagic)) {
		return nil, fmt.Errorf("%w: no %q header", ErrBadLDCache, ldCacheNewMagic)
	}
	if len(nb) < ldCacheNewHeader {
		return nil, fmt.Errorf("%w: short header", ErrBadLDCache)
	}
	// The file is written in the host's byte order; every platform we
	// support is little-endian, and a big-endian cache fails the count
	// sanity checks below instead of being misread.
	le := binary.LittleEndian
	n := le.Uint32(nb[20:24])
	if n > ldCacheMaxLibs || uint64(ldCacheNewHeader)+uint64(n)*ldCacheNewEntry > uint64(len(nb)) {
		return nil, fmt.Errorf("%w: %d entries do not fit in %d bytes", ErrBadLDCache, n, len(nb))
	}
	out := make([]CacheEntry, 0, n)
	for i := 0; i < int(n); i++ {
		e := nb[ldCacheNewHeader+i*ldCacheNewEntry:]
		flags := int32(le.Uint32(e[0:4]))
		key, err := cString(nb, le.Uint32(e[4:8]))
		if err != nil {
			return nil, fmt.Errorf("%w: entry %d name: %v", ErrBadLDCache, i, err)
		}
		val, err := cString(nb, le.Uint32(e[8:12]))
		if err != nil {
			return nil, fmt.Errorf("%w: entry %d path: %v", ErrBadLDCache, i, err)
		}
		out = append(out, CacheEntry{Name: key, Path: val, Flags: flags})
	}
	return out, nil
}

func cString(b []byte, off uint32) (string, error) {
	if uint64(off) >= uint64(len(b)) {
		return "", fmt.Errorf("offset %d past the end", off)
	}
	s := b[off:]
	i := bytes.IndexByte(s, 0)
	if i < 0 {
		return "", fmt.Errorf("string at %d not terminated", off)
	}
	return string(s[:i]), nil
}

// ReadLDCache reads and parses the cache file at path.
func ReadLDCache(path string) ([]CacheEntry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	es, err := ParseLDCache(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return es, nil
}

// ConfLine is one item of an ld.so.conf file, in file order: a library
// directory, or (Include set) a glob of files to read in its place.
type ConfLine struct {
	Path    string
	Include bool
}

// ParseLDConf parses one ld.so.conf file's text: one directory per line
// (or several separated by spaces, commas, colons or tabs; a legacy "=type"
// suffix is dropped), "#" comments, "include GLOB" lines (returned for the
// caller to expand) and "hwcap" lines (ignored, as modern glibc does).
func ParseLDConf(r io.Reader) ([]ConfLine, error) {
	var out []ConfLine
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if rest, ok := cutWord(line, "include"); ok {
			for _, g := range strings.Fields(rest) {
				out = append(out, ConfLine{Path: g, Include: true})
			}
			continue
		}
		if _, ok := cutWord(line, "hwcap"); ok {
			continue
		}
		for _, d := range strings.FieldsFunc(line, func(r rune) bool {
			return r == ' ' || r == '\t' || r == ',' || r == ':'
		}) {
			if i := strings.IndexByte(d, '='); i >= 0 {
				d = d[:i]
			}
			if strings.HasPrefix(d, "/") {
				out = append(out, ConfLine{Path: filepath.Clean(d)})
			}
		}
	}
	return out, sc.Err()
}

func cutWord(line, word string) (string, bool) {
	if !strings.HasPrefix(line, word) {
		return "", false
	}
	rest := line[len(word):]
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return "", false
	}
	return strings.TrimSpace(rest), true
}

// ReadLDConf reads path and the files it includes (recursively, relative
// globs against the including file's folder, at most depth 8), returning
// the library directories in order without duplicates.
func ReadLDConf(path string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	var read func(p string, depth int) error
	read = func(p string, depth int) error {
		if depth > 8 {
			return fmt.Errorf("%s: includes nested too deep", p)
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		lines, err := ParseLDConf(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		for _, l := range lines {
			if !l.Include {
				if !seen[l.Path] {
					seen[l.Path] = true
					out = append(out, l.Path)
				}
				continue
			}
			g := l.Path
			if !filepath.IsAbs(g) {
				g = filepath.Join(filepath.Dir(p), g)
			}
			ms, err := filepath.Glob(g)
			if err != nil {
				return fmt.Errorf("%s: include %s: %w", p, g, err)
			}
			sort.Strings(ms)
			for _, m := range ms {
				if err := read(m, depth+1); err != nil && !errors.Is(err, os.ErrNotExist) {
					return err
				}
			}
		}
		return nil
	}
	if err := read(path, 0); err != nil {
		return out, err
	}
	return out, nil
}
