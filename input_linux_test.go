//go:build linux

package cordon

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cordonsec/cordon/policy"
)

// TestInputsChecked: --file inputs are refused before anything starts
// when they are not regular files (a FIFO hung the run, deaf to
// cancellation), symlinks not asked to be followed, kernel files, or
// denied by the policy; the accepted ones are described for the record.
// Run as root and (through TestUnprivileged) as a throwaway user.
func TestInputsChecked(t *testing.T) {
	needPython(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data.csv")
	secret := filepath.Join(dir, "secret.txt")
	fifo := filepath.Join(dir, "fifo")
	link := filepath.Join(dir, "link.csv")
	os.WriteFile(data, []byte("x,y\n"), 0o644)
	os.WriteFile(secret, []byte("s"), 0o644)
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Symlink(data, link)
	ex, _ := NewExecutor(Options{})
	defer ex.Close()
	pol := testPolicy()
	pol.Filesystem.Deny = []string{secret}
	for _, c := range []struct {
		name   string
		files  []string
		follow bool
		want   string
	}{
		{"fifo", []string{fifo}, false, "is a FIFO"},
		{"device", []string{"/dev/null"}, false, "is a device"},
		{"link", []string{link}, false, "is a symbolic link"},
		{"proc", []string{"/proc/self/environ"}, false, "kernel file system"},
		{"sys", []string{"/sys/kernel/mm/transparent_hugepage/enabled"}, true, "kernel file system"},
		{"denied", []string{secret}, false, "denied by the policy"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		_, err := ex.Run(ctx, Job{Source: []byte("print(1)"), Files: c.files, FollowLinks: c.follow, Policy: pol})
		cancel()
		if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want a bad input naming %q", c.name, err, c.want)
		}
	}
	res, err := ex.Run(context.Background(), Job{Source: []byte("print(open('link.csv').read().strip())"),
		Files: []string{link}, FollowLinks: true, Policy: pol})
	if err != nil || res.Status != StatusOK || res.Stdout != "x,y\n" {
		t.Fatalf("followed link: %v %s %q", err, res.Status, res.Stdout)
	}
	if len(res.Inputs) != 1 || res.Inputs[0].Path != data || res.Inputs[0].Size != 4 || len(res.Inputs[0].SHA256) != 64 {
		t.Fatalf("inputs %+v", res.Inputs)
	}
	// Bigger than limits.file_size: the script's own status stands.
	big := filepath.Join(dir, "big.bin")
	os.WriteFile(big, make([]byte, 3<<20), 0o644)
	pol2 := testPolicy()
	pol2.Limits.FileSize = policy.Size(1 << 20)
	res, err = ex.Run(context.Background(), Job{Source: []byte("import os\nprint(os.path.getsize('big.bin'))\nraise SystemExit(3)"),
		Files: []string{big}, Policy: pol2})
	if err != nil || res.Status != StatusExitNonzero || res.ExitCode != 3 || res.Stdout != "3145728\n" {
		t.Fatalf("big input: %v %s %d %q %s", err, res.Status, res.ExitCode, res.Stdout, res.Error)
	}
}
