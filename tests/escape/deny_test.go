package escape

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cordonsec/cordon"
)

// TestDenyHolds: filesystem.deny hides a path wherever the sandbox's view
// would show it — a file and a folder inside a read_only folder, inside a
// read_write folder (where the script must not be able to read, append to
// or recreate them), a path the interpreter's runtime binds itself, and a
// path inside a folder the runtime binds. The allowed neighbours must stay
// usable, and the host's denied files unchanged.
func TestDenyHolds(t *testing.T) {
	for _, m := range bothModes() {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			needMode(t, m)
			d := newRunDir(t, m)
			// Not under d.root: the sandbox's own /tmp would shadow a
			// bind below the host's /tmp.
			base, err := os.MkdirTemp("/var/tmp", "cordon-deny-")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.RemoveAll(base) })
			chownTo(t, m, base)
			ro := filepath.Join(base, "ro")
			rw := filepath.Join(base, "rw")
			secret := "DENIED-CANARY-" + d.token + "\n"
			files := map[string]string{
				"ro/ok.txt":             "fine\n",
				"ro/secret.txt":         secret,
				"ro/sub/secret":         secret,
				"ro/deep/er/secret.txt": secret,
				"rw/ok.txt":             "fine\n",
				"rw/secret.txt":         secret,
				"rw/sub/secret":         secret,
				"rw/keep/ok.txt":        "fine\n",
			}
			for name, body := range files {
				p := filepath.Join(base, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.MkdirAll(filepath.Join(rw, "later"), 0o755); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{ro, rw} {
				filepath.Walk(p, func(p string, _ os.FileInfo, _ error) error { chownTo(t, m, p); return nil })
			}
			denied := []string{
				filepath.Join(ro, "secret.txt"), filepath.Join(ro, "sub"), filepath.Join(ro, "deep/er/secret.txt"),
				filepath.Join(rw, "secret.txt"), filepath.Join(rw, "sub"),
				"/etc/ssl/openssl.cnf",               // a path the runtime binds itself
				"/usr/lib/python3.11/antigravity.py", // a file inside a runtime folder
			}
			for _, p := range denied[5:] {
				if _, err := os.Stat(p); err != nil {
					t.Skipf("this host's python lacks %s: %v", p, err)
				}
			}
			// A denied path that does not exist yet, inside a writable
			// folder: the script must not create it.
			notYet := filepath.Join(rw, "later", "secret.txt")
			yaml := fmt.Sprintf("runtime:\n  interpreter: /usr/bin/python3\nfilesystem:\n  read_only: [%s]\n  read_write: [%s]\n  deny: [%s]\n",
				ro, rw, strings.Join(append(append([]string{}, denied...), notYet), ", "))
			args := append([]string{}, denied...)
			args = append(args, "/usr/lib/ssl/openssl.cnf", "new:"+notYet,
				"ok:"+filepath.Join(ro, "ok.txt"), "ok:"+filepath.Join(rw, "ok.txt"),
				"ok:"+filepath.Join(rw, "keep"), "ok:/usr/lib/python3.11/os.py")
			o := run(t, m, d, spec{script: "deny.py", yaml: yaml, args: args})
			if o.res.Status != cordon.StatusOK || !strings.Contains(o.res.Stdout, "DONE") {
				t.Fatalf("the deny probe did not run to its end: %s", o)
			}
			for _, line := range strings.Split(o.res.Stdout, "\n") {
				if strings.HasPrefix(line, "ESCAPED") || strings.HasPrefix(line, "BROKEN") {
					t.Errorf("%s", line)
				}
			}
			for name, body := range files {
				if b, err := os.ReadFile(filepath.Join(base, name)); err != nil || string(b) != body {
					t.Errorf("ESCAPE: host file %s changed: %q, %v", name, b, err)
				}
			}
			if _, err := os.Lstat(notYet); err == nil {
				t.Errorf("ESCAPE: the script created the denied %s on the host", notYet)
			}
		})
	}
}

// denyUnderTmp reads an allowed and a denied file.
const denyUnderTmp = `
import sys
print(open(sys.argv[2]).read().strip())
try:
    open(sys.argv[3]).read()
    print("ESCAPED: read the denied file")
except OSError as e:
    print("BLOCKED: %s" % e.__class__.__name__)
`

// TestDenyUnderTmp: a read_only folder below the host's /tmp with a deny
// inside it. Such a folder is bound inside the sandbox's own /tmp, below
// a traverse-only folder the init made on the way; granting /tmp to the
// script around the deny walked into that folder, could not list it, and
// failed every run ("landlock: rule for /tmp: open ...: permission
// denied").
func TestDenyUnderTmp(t *testing.T) {
	for _, m := range bothModes() {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			needMode(t, m)
			d := newRunDir(t, m)
			base, err := os.MkdirTemp("/tmp", "cordon-denytmp-")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.RemoveAll(base) })
			ro := filepath.Join(base, "ro")
			if err := os.Mkdir(ro, 0o755); err != nil {
				t.Fatal(err)
			}
			ok, secret := filepath.Join(ro, "ok.txt"), filepath.Join(ro, "secret.txt")
			for p, body := range map[string]string{ok: "fine\n", secret: "DENIED-CANARY-" + d.token + "\n"} {
				if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for _, p := range []string{base, ro, ok, secret} {
				chownTo(t, m, p)
			}
			yaml := fmt.Sprintf("runtime:\n  interpreter: %s\nfilesystem:\n  read_only: [%s]\n  deny: [%s]\n", suite.python, ro, secret)
			o := run(t, m, d, spec{script: "deny_tmp.py", source: denyUnderTmp, yaml: yaml, args: []string{ok, secret}})
			if o.res.Status != cordon.StatusOK || !strings.Contains(o.res.Stdout, "fine") || !strings.Contains(o.res.Stdout, "BLOCKED") {
				t.Errorf("a read_only folder under /tmp with a deny inside: %s", o)
			}
		})
	}
}
