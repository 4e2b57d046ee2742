package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cordonsec/cordon/cmd/cordon/cli"
)

// openPTY returns a pseudo-terminal's master and slave.
func openPTY(t *testing.T) (*os.File, *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return m, s
}

// TestRunTerminalEscapes: when cordon's output is a terminal, the script's
// escape sequences other than basic colour reach it as text (a window
// title, a clipboard write, concealed text), and Cordon's own lines start
// on a fresh line with colours reset; --raw-output passes them as they are.
func TestRunTerminalEscapes(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("no python3")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "esc.py")
	pol := filepath.Join(dir, "p.yaml")
	os.WriteFile(script, []byte(`import sys
sys.stdout.write("\x1b]0;owned\x07\x1b]52;c;ZXZpbA==\x07\x1b[31mred\x1b[8mhidden")
`), 0o644)
	yaml := "audit:\n  enabled: false\n"
	if os.Geteuid() != 0 {
		yaml += "isolation:\n  allow_degraded: [cgroup]\n"
	}
	os.WriteFile(pol, []byte(yaml), 0o644)
	for _, raw := range []bool{false, true} {
		m, s := openPTY(t)
		got := make(chan string)
		go func() {
			b, _ := io.ReadAll(m) // EIO once the slave is closed
			got <- string(b)
		}()
		args := []string{"run", "-v", "--policy", pol, script}
		if raw {
			args = append([]string{"run", "--raw-output"}, args[1:]...)
		}
		code := cli.Main(context.Background(), args, strings.NewReader(""), s, s)
		s.Close()
		var out string
		select {
		case out = <-got:
		case <-time.After(10 * time.Second):
			t.Fatal("terminal output never ended")
		}
		m.Close()
		if code != 0 {
			t.Fatalf("raw %v: exit %d: %q", raw, code, out)
		}
		if raw {
			if !strings.Contains(out, "\x1b]0;owned\x07") {
				t.Errorf("--raw-output: the escape did not pass: %q", out)
			}
			continue
		}
		for _, bad := range []string{"\x1b]", "\x07", "\x1b[8m"} {
			if strings.Contains(out, bad) {
				t.Errorf("%q reached the terminal: %q", bad, out)
			}
		}
		if !strings.Contains(out, `^[]0;owned^G^[]52;c;ZXZpbA==^G`+"\x1b[31mred^[[8mhidden") {
			t.Errorf("escapes not shown as text: %q", out)
		}
		if !strings.Contains(out, "hidden\x1b[0m\r\ncordon: run ") {
			t.Errorf("cordon's summary not on a clean line with colours reset: %q", out)
		}
	}
}
