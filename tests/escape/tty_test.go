package escape

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/cordonsec/cordon"
	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair; the slave is given to m's user.
func openPTY(t *testing.T, m mode) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("open /dev/ptmx: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("ptsname: %v", err)
	}
	name := fmt.Sprintf("/dev/pts/%d", n)
	slave, err = os.OpenFile(name, os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	if !m.root() {
		_ = os.Chown(name, int(m.uid), int(m.gid))
	}
	t.Cleanup(func() { master.Close(); slave.Close() })
	return master, slave
}

// TestTIOCSTI runs cordon on a terminal the test owns: whatever the script
// pushes into the terminal's input queue would be read by the invoker's
// shell after cordon exits. Nothing may arrive there.
func TestTIOCSTI(t *testing.T) {
	for _, m := range bothModes() {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			needMode(t, m)
			d := newRunDir(t, m)
			master, slave := openPTY(t, m)
			out, wait := readAll(master)
			o := run(t, m, d, spec{script: "tiocsti.py", tty: slave, noJSON: false})
			pending, err := unix.IoctlGetInt(int(slave.Fd()), unix.TIOCINQ)
			if err != nil {
				t.Fatalf("TIOCINQ: %v", err)
			}
			slave.Close()
			wait()
			text := strings.ReplaceAll(out.String(), "\r\n", "\n")
			if pending > 0 {
				t.Errorf("ESCAPE: %d bytes were injected into the invoker's terminal input", pending)
			}
			if strings.Contains(text, "INJECTED-"+d.token) {
				t.Errorf("ESCAPE: the injected command was echoed by the invoker's terminal")
			}
			// The terminal carried cordon's --json; read the Result from it.
			i, j := strings.Index(text, "{"), strings.LastIndex(text, "}")
			if i < 0 || j < i {
				t.Fatalf("no Result on the terminal (exit %d): %q", o.exit, clip(text, 3000))
			}
			if err := json.NewDecoder(bytes.NewReader([]byte(text[i : j+1]))).Decode(&o.res); err != nil {
				t.Fatalf("Result on the terminal does not parse: %v: %q", err, clip(text, 3000))
			}
			judge(t, attack{want: []cordon.Status{cordon.StatusOK, cordon.StatusSecurityViolation}}, m, o)
			if o.res.Status == cordon.StatusOK && !strings.Contains(o.res.Stdout, "DONE") {
				t.Errorf("the script did not finish: %s", o)
			}
		})
	}
}

// TestPrivateDevpts: the sandbox has its own devpts instance. os.openpty
// works inside, and the host's pseudo-terminals are not reachable through
// it: the test opens one on the host (given to the mode's user) and the
// script writes a canary into every /dev/pts entry it can open, up to
// past the host's number; nothing may arrive at the host's master.
func TestPrivateDevpts(t *testing.T) {
	src := `import os, sys
tok, n = sys.argv[1], int(sys.argv[2])
m, s = os.openpty()
os.write(s, b"own\n")
print("openpty:", os.ttyname(s), os.read(m, 16))
print("entries:", sorted(os.listdir("/dev/pts")))
for i in range(n + 4):
    p = "/dev/pts/%d" % i
    try:
        fd = os.open(p, os.O_WRONLY | os.O_NOCTTY | os.O_NONBLOCK)
    except OSError:
        continue
    try:
        os.write(fd, ("CANARY-" + tok + "\n").encode())
        print("wrote", p)
    except OSError:
        pass
    os.close(fd)
print("DONE")
`
	for _, m := range bothModes() {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			needMode(t, m)
			d := newRunDir(t, m)
			master, slave := openPTY(t, m)
			n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
			if err != nil {
				t.Fatal(err)
			}
			o := run(t, m, d, spec{script: "pts_" + d.token + ".py", source: src, args: []string{fmt.Sprint(n)}})
			if o.res.Status != cordon.StatusOK || !strings.Contains(o.res.Stdout, "DONE") {
				t.Fatalf("the script did not finish: %s", o)
			}
			if !strings.Contains(o.res.Stdout, "openpty: /dev/pts/0 b'own\\r\\n'") {
				t.Errorf("os.openpty does not work inside: %s", o.res.Stdout)
			}
			pending, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCINQ)
			if err != nil {
				t.Fatalf("TIOCINQ: %v", err)
			}
			if pending > 0 {
				t.Errorf("ESCAPE: the script wrote %d bytes to the host's /dev/pts/%d", pending, n)
			}
			t.Logf("inside: %s", o.res.Stdout)
			slave.Close()
		})
	}
}
