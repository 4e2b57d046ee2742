package interp

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// hostLib copies a real shared library of this host's architecture to
// dir/name, so the search tests use ELF objects the checks accept.
func hostLib(t *testing.T, self *elfInfo, dir, name string) string {
	t.Helper()
	es, err := ReadLDCache("/etc/ld.so.cache")
	if err != nil {
		t.Skipf("no usable ld.so.cache: %v", err)
	}
	src := ""
	for _, e := range es {
		if e.Name == "libc.so.6" && fits(e.Path, self) {
			src = e.Path
			break
		}
	}
	if src == "" {
		t.Skip("no libc.so.6 of this architecture in ld.so.cache")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	dst := filepath.Join(dir, name)
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestLibSearchOrder(t *testing.T) {
	self, err := readELF(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	d := t.TempDir()
	rpath := hostLib(t, self, filepath.Join(d, "rpath"), "libx.so.1")
	runpath := hostLib(t, self, filepath.Join(d, "runpath"), "libx.so.1")
	inherited := hostLib(t, self, filepath.Join(d, "inherited"), "libx.so.1")
	cached := hostLib(t, self, filepath.Join(d, "cached"), "libx.so.1")
	conf := hostLib(t, self, filepath.Join(d, "conf"), "libx.so.1")
	if err := os.WriteFile(filepath.Join(d, "notelf.so.1"), []byte("not an ELF"), 0o644); err != nil {
		t.Fatal(err)
	}
	obj := func(rp, run []string) *elfInfo {
		return &elfInfo{class: self.class, machine: self.machine, rpath: rp, runpath: run}
	}
	withCache := func() *libSearch {
		return &libSearch{cache: map[string][]string{"libx.so.1": {filepath.Join(d, "notelf.so.1"), cached}}}
	}
	tests := []struct {
		name      string
		s         *libSearch
		obj       *elfInfo
		inherited []string
		want      string
		fromCache bool
	}{
		{"rpath first", withCache(), obj([]string{filepath.Join(d, "rpath")}, nil), []string{filepath.Join(d, "inherited")}, rpath, false},
		{"inherited rpath next", withCache(), obj([]string{filepath.Join(d, "none")}, nil), []string{filepath.Join(d, "inherited")}, inherited, false},
		{"runpath disables rpath", withCache(), obj([]string{filepath.Join(d, "rpath")}, []string{filepath.Join(d, "runpath")}), []string{filepath.Join(d, "inherited")}, runpath, false},
		{"runpath disables inherited", withCache(), obj(nil, []string{filepath.Join(d, "none")}), []string{filepath.Join(d, "inherited")}, cached, true},
		{"cache skips what does not fit", withCache(), obj(nil, nil), nil, cached, true},
		{"conf dirs without a cache", &libSearch{confDirs: []string{filepath.Join(d, "none"), filepath.Join(d, "conf")}}, obj(nil, nil), nil, conf, false},
		{"default dirs last", &libSearch{defaultDirs: []string{filepath.Join(d, "cached")}}, obj(nil, nil), nil, cached, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.s.find("libx.so.1", tt.obj, tt.inherited)
			if !ok || got != tt.want {
				t.Fatalf("find = %q, %v; want %q", got, ok, tt.want)
			}
			if tt.s.fromCache != tt.fromCache {
				t.Fatalf("fromCache = %v", tt.s.fromCache)
			}
		})
	}
	if _, ok := (&libSearch{}).find("libx.so.1", obj(nil, nil), nil); ok {
		t.Fatal("found a library with no search path")
	}
	// An object of another class never fits.
	other := obj([]string{filepath.Join(d, "rpath")}, nil)
	other.class++
	if _, ok := withCache().find("libx.so.1", other, nil); ok {
		t.Fatal("a library of another ELF class was accepted")
	}
}

func TestReadELF(t *testing.T) {
	py := debianPython(t)
	info, err := readELF(py)
	if err != nil {
		t.Fatal(err)
	}
	if info.interp == "" || len(info.needed) == 0 {
		t.Fatalf("%s: interp %q needed %v", py, info.interp, info.needed)
	}
	d := t.TempDir()
	junk := filepath.Join(d, "junk")
	if err := os.WriteFile(junk, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := readELF(junk); !errors.Is(err, ErrNotELF) {
		t.Fatalf("readELF(script) = %v", err)
	}
	if err := isELFExecutable(junk); !errors.Is(err, ErrNotELF) {
		t.Fatalf("isELFExecutable(script) = %v", err)
	}
	if err := isELFExecutable(d); !errors.Is(err, ErrNotELF) {
		t.Fatalf("isELFExecutable(dir) = %v", err)
	}
}
