package interp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// buildLDCache writes a new-format cache, optionally after an old-format
// block of oldN entries, mapping names to paths.
func buildLDCache(oldN int, pairs ...string) []byte {
	var old []byte
	if oldN >= 0 {
		old = append(old, ldCacheOldMagic...)
		old = append(old, 0)
		old = binary.LittleEndian.AppendUint32(old, uint32(oldN))
		old = append(old, make([]byte, oldN*ldCacheOldEntry)...)
		for len(old)%8 != 0 {
			old = append(old, 0)
		}
	}
	n := len(pairs) / 2
	hdr := []byte(ldCacheNewMagic)
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(n))
	var strs []byte
	strBase := ldCacheNewHeader + n*ldCacheNewEntry
	hdr = binary.LittleEndian.AppendUint32(hdr, 0) // len_strings, patched below
	hdr = append(hdr, make([]byte, ldCacheNewHeader-len(hdr))...)
	var ents []byte
	for i := 0; i < n; i++ {
		k := strBase + len(strs)
		strs = append(append(strs, pairs[2*i]...), 0)
		v := strBase + len(strs)
		strs = append(append(strs, pairs[2*i+1]...), 0)
		ents = binary.LittleEndian.AppendUint32(ents, 0x0303)
		ents = binary.LittleEndian.AppendUint32(ents, uint32(k))
		ents = binary.LittleEndian.AppendUint32(ents, uint32(v))
		ents = binary.LittleEndian.AppendUint32(ents, 0)
		ents = binary.LittleEndian.AppendUint64(ents, 0)
	}
	binary.LittleEndian.PutUint32(hdr[24:28], uint32(len(strs)))
	out := append(old, hdr...)
	out = append(out, ents...)
	return append(out, strs...)
}

func TestParseLDCache(t *testing.T) {
	good := buildLDCache(-1, "libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6", "libz.so.1", "/usr/lib/libz.so.1")
	withOld := buildLDCache(3, "libm.so.6", "/lib/libm.so.6")
	truncated := good[:len(good)-5]
	hugeCount := append([]byte(nil), good...)
	binary.LittleEndian.PutUint32(hugeCount[20:24], 1<<30)
	badOffset := append([]byte(nil), good...)
	binary.LittleEndian.PutUint32(badOffset[ldCacheNewHeader+4:], 1<<31)
	tests := []struct {
		name string
		in   []byte
		want []CacheEntry
		err  bool
	}{
		{"new format", good, []CacheEntry{
			{"libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6", 0x0303},
			{"libz.so.1", "/usr/lib/libz.so.1", 0x0303},
		}, false},
		{"old then new", withOld, []CacheEntry{{"libm.so.6", "/lib/libm.so.6", 0x0303}}, false},
		{"empty cache", buildLDCache(-1), []CacheEntry{}, false},
		{"empty file", nil, nil, true},
		{"garbage", []byte("hello world, not a cache at all, really not"), nil, true},
		{"short header", []byte(ldCacheNewMagic + "\x01"), nil, true},
		{"unterminated string", truncated, nil, true},
		{"count past the end", hugeCount, nil, true},
		{"offset past the end", badOffset, nil, true},
		{"old block past the end", append([]byte(ldCacheOldMagic+"\x00"), 0xff, 0xff, 0, 0), nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseLDCache(tt.in)
			if tt.err {
				if !errors.Is(err, ErrBadLDCache) {
					t.Fatalf("err = %v, want ErrBadLDCache", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestReadLDCacheHost reads this host's own cache: libc must be in it.
func TestReadLDCacheHost(t *testing.T) {
	es, err := ReadLDCache("/etc/ld.so.cache")
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("no /etc/ld.so.cache on this host (not glibc?)")
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.Name == "libc.so.6" && strings.HasSuffix(e.Path, "/libc.so.6") {
			return
		}
	}
	t.Fatalf("libc.so.6 not among %d entries", len(es))
}

func TestParseLDConf(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []ConfLine
	}{
		{"plain", "/usr/local/lib\n/opt/lib/\n", dirs("/usr/local/lib", "/opt/lib")},
		{"comments and blanks", "# libc default\n\n  /usr/local/lib  # trailing\n", dirs("/usr/local/lib")},
		{"include in order", "/first\ninclude /etc/ld.so.conf.d/*.conf\ninclude a.conf b.conf\n/last", []ConfLine{
			{Path: "/first"}, {Path: "/etc/ld.so.conf.d/*.conf", Include: true},
			{Path: "a.conf", Include: true}, {Path: "b.conf", Include: true}, {Path: "/last"},
		}},
		{"separators", "/a:/b,/c\t/d /e", dirs("/a", "/b", "/c", "/d", "/e")},
		{"legacy type", "/usr/X11R6/lib=libc5", dirs("/usr/X11R6/lib")},
		{"hwcap ignored", "hwcap 0 nosegneg\n/lib", dirs("/lib")},
		{"relative dropped", "lib\n./x\n/ok", dirs("/ok")},
		{"includefoo is no include", "includefoo", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseLDConf(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func dirs(ds ...string) []ConfLine {
	var out []ConfLine
	for _, d := range ds {
		out = append(out, ConfLine{Path: d})
	}
	return out
}

func TestReadLDConfIncludes(t *testing.T) {
	d := t.TempDir()
	must := func(p, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	must(filepath.Join(d, "ld.so.conf"), "include conf.d/*.conf\n/top\n")
	must(filepath.Join(d, "conf.d/b.conf"), "/b\n/top\n")
	must(filepath.Join(d, "conf.d/a.conf"), "/a\ninclude ../loop.conf\n")
	must(filepath.Join(d, "loop.conf"), "include ld.so.conf\n")
	got, err := ReadLDConf(filepath.Join(d, "ld.so.conf"))
	if err == nil {
		t.Fatalf("include loop not reported, got %v", got)
	}
	must(filepath.Join(d, "loop.conf"), "/deep\n")
	got, err = ReadLDConf(filepath.Join(d, "ld.so.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"/a", "/deep", "/b", "/top"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// FuzzParseLDCache: never panics, and whatever parses names only strings
// that were in the input.
func FuzzParseLDCache(f *testing.F) {
	f.Add(buildLDCache(-1, "libc.so.6", "/lib/libc.so.6"))
	f.Add(buildLDCache(2, "a", "/b"))
	f.Add([]byte(ldCacheNewMagic))
	if b, err := os.ReadFile("/etc/ld.so.cache"); err == nil && len(b) < 1<<20 {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		es, err := ParseLDCache(b)
		if err != nil {
			return
		}
		for _, e := range es {
			if !bytes.Contains(b, []byte(e.Name)) || !bytes.Contains(b, []byte(e.Path)) {
				t.Fatalf("entry %q -> %q not in input", e.Name, e.Path)
			}
		}
	})
}

// FuzzParseLDConf: never panics; every directory is absolute and clean.
func FuzzParseLDConf(f *testing.F) {
	f.Add("include /etc/ld.so.conf.d/*.conf\n/usr/local/lib\n")
	f.Add("/a:/b,/c=x # c\nhwcap 1 x\n")
	f.Fuzz(func(t *testing.T, s string) {
		lines, err := ParseLDConf(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, l := range lines {
			if !l.Include && (!filepath.IsAbs(l.Path) || filepath.Clean(l.Path) != l.Path) {
				t.Fatalf("dir %q not absolute and clean", l.Path)
			}
		}
	})
}
