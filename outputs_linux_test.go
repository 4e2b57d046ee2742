//go:build linux

package cordon

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/cordonsec/cordon/policy"
)

// TestOutputs: the files a script leaves in /work are copied into
// Job.OutputDir — regular files only, never through a link, never outside
// the folder, owned by the caller, within the caps — and listed with
// their SHA-256; the rest are listed as refused. Run as root and (through
// TestUnprivileged) as a throwaway user.
func TestOutputs(t *testing.T) {
	needPython(t)
	out := t.TempDir()
	outside := t.TempDir()
	victim := filepath.Join(outside, "victim")
	if err := os.WriteFile(victim, []byte("untouched"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Planted in the output folder: a link to a file outside it (to be
	// replaced, not written through) and a folder link leading out.
	if err := os.Symlink(victim, filepath.Join(out, "a.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(out, "esc")); err != nil {
		t.Fatal(err)
	}
	src := `import os
open("a.txt", "w").write("alpha\n")
os.makedirs("sub/deep")
open("sub/deep/b.txt", "w").write("beta\n")
os.makedirs("esc")
open("esc/c.txt", "w").write("gamma\n")
open("big.bin", "wb").write(b"x" * 5000)
open("z1.txt", "w").write("1")
open("z2.txt", "w").write("2")
os.symlink("/etc/passwd", "link")
os.mkfifo("fifo")
`
	res := run(t, src, func(p *policy.Policy) {
		p.Outputs.MaxFiles = 3
		p.Outputs.MaxSize = 4096
	}, Job{OutputDir: out})
	if res.Status != StatusOK {
		t.Fatalf("status %s: %s %s", res.Status, res.Error, res.Stderr)
	}
	got := map[string]OutputFile{}
	for _, f := range res.Outputs {
		got[f.Path] = f
	}
	sum := sha256.Sum256([]byte("alpha\n"))
	if f := got["a.txt"]; f.Refused != "" || f.SHA256 != hex.EncodeToString(sum[:]) || f.Size != 6 {
		t.Errorf("a.txt: %+v", f)
	}
	if b, err := os.ReadFile(victim); err != nil || string(b) != "untouched" {
		t.Errorf("the planted link was written through: %q %v", b, err)
	}
	if fi, err := os.Lstat(filepath.Join(out, "a.txt")); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("a.txt in the output folder: %v %v", fi, err)
	} else if st := fi.Sys().(*syscall.Stat_t); int(st.Uid) != os.Geteuid() {
		t.Errorf("a.txt owned by uid %d, want the caller's %d", st.Uid, os.Geteuid())
	}
	if b, err := os.ReadFile(filepath.Join(out, "sub/deep/b.txt")); err != nil || string(b) != "beta\n" {
		t.Errorf("sub/deep/b.txt: %q %v", b, err)
	}
	if f := got["esc/c.txt"]; f.Refused == "" {
		t.Errorf("esc/c.txt was copied through a folder link leading out: %+v", f)
	}
	if _, err := os.Stat(filepath.Join(outside, "c.txt")); err == nil {
		t.Errorf("a file was written outside the output folder")
	}
	for name, why := range map[string]string{
		"link": "symbolic link", "fifo": "not a regular file",
		"big.bin": "outputs.max_size", "z2.txt": "outputs.max_files",
	} {
		if f := got[name]; !strings.Contains(f.Refused, why) {
			t.Errorf("%s: %+v, want refused for %q", name, f, why)
		}
		if name != "z2.txt" {
			if _, err := os.Lstat(filepath.Join(out, name)); err == nil {
				t.Errorf("%s reached the output folder", name)
			}
		}
	}
	if got["z1.txt"].Refused != "" {
		t.Errorf("z1.txt: %+v", got["z1.txt"])
	}
}

// TestOutputsRecordBounded: however many long names a script makes, the
// end record stays far below the log's line limit (a record past it
// would not be written: the script could erase its own end record).
func TestOutputsRecordBounded(t *testing.T) {
	var files []OutputFile
	for i := range 5000 {
		files = append(files, OutputFile{Path: strings.Repeat("d/", 2000) + fmt.Sprint(i), Refused: "past outputs.max_files (100)"})
	}
	out, omitted := outputsRecord(files)
	b, _ := json.Marshal(out)
	if len(b) > 300<<10 || omitted == 0 || len(out)+omitted != len(files) {
		t.Fatalf("record of %d bytes, %d listed, %d omitted", len(b), len(out), omitted)
	}
}
