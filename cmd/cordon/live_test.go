package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cordonsec/cordon/cmd/cordon/cli"
)

// TestRunOutputLive: cordon run's output is live — a line the script
// prints reaches cordon's stdout while the script still runs (Python
// block-buffers a pipe: before, the script below waited for its input
// with "first" still in its buffer).
func TestRunOutputLive(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("no python3")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "live.py")
	pol := filepath.Join(dir, "p.yaml")
	os.WriteFile(script, []byte("import sys\nprint('first')\nline = sys.stdin.readline()\nprint('second', line.strip())\n"), 0o644)
	yaml := "audit:\n  enabled: false\n"
	if os.Geteuid() != 0 {
		yaml += "isolation:\n  allow_degraded: [cgroup]\n"
	}
	os.WriteFile(pol, []byte(yaml), 0o644)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan int, 1)
	var stderr strings.Builder
	go func() {
		done <- cli.Main(context.Background(), []string{"run", "--policy", pol, script}, inR, outW, &stderr)
		outW.Close()
	}()
	lines := make(chan string, 4)
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	select {
	case l := <-lines:
		if l != "first" {
			t.Fatalf("first line %q", l)
		}
	case <-time.After(20 * time.Second):
		inW.Close()
		t.Fatalf("no output while the script ran (stderr %q)", stderr.String())
	}
	inW.Write([]byte("go\n"))
	inW.Close()
	if l := <-lines; l != "second go" {
		t.Fatalf("second line %q", l)
	}
	if code := <-done; code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}
