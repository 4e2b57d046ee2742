package audit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/cordonsec/cordon/internal/testenv"
)

const unprivUser = "cordon-test-audit"

// helperUnpriv runs as the throwaway user: a log in a dir it may not
// write is refused (fail closed), its own dir works, and a signing key
// owned by someone else is refused.
func helperUnpriv(root string) int {
	fail := func(format string, args ...any) int {
		fmt.Fprintf(os.Stderr, format+"\n", args...)
		return 1
	}
	if _, err := Open(Options{Dir: filepath.Join(root, "rootonly", "audit")}); !errors.Is(err, os.ErrPermission) {
		return fail("open in a root-owned dir: %v, want a permission error", err)
	}
	own := filepath.Join(root, "own", "audit")
	l, err := Open(Options{Dir: own, KeyName: "cordon.audit/unpriv"})
	if err != nil {
		return fail("open in own dir: %v", err)
	}
	if _, err := l.Append(context.Background(), startRecord("u")); err != nil {
		return fail("append: %v", err)
	}
	if err := l.Close(); err != nil {
		return fail("close: %v", err)
	}
	_, err = Open(Options{Dir: filepath.Join(root, "own", "other"), SigningKey: filepath.Join(root, "rootkey")})
	var kpe *KeyPermissionError
	if !errors.As(err, &kpe) || kpe.Msg != "owned by another user" {
		return fail("key owned by root: %v, want KeyPermissionError", err)
	}
	return 0
}

func TestUnprivileged(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("creating the throwaway user needs root; as a plain user TestUnwritableDirFailsClosed covers this")
	}
	u := testenv.NeedUser(t, unprivUser)
	uid, gid := u.UID, u.GID
	root, err := os.MkdirTemp("", "cordon-audit-unpriv-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Chmod(root, 0o755))
	must(os.Mkdir(filepath.Join(root, "rootonly"), 0o755))
	must(os.Mkdir(filepath.Join(root, "own"), 0o755))
	must(os.Chown(filepath.Join(root, "own"), uid, gid))
	_, err = GenerateKey("cordon.audit/root", filepath.Join(root, "rootkey"), filepath.Join(root, "rootkey.pub"))
	must(err)
	// 0600 and root's: the owner check, not the mode, refuses it.
	// The test binary lives in a 0700 build dir: copy it where the user
	// can run it.
	exe, err := os.Executable()
	must(err)
	bin := filepath.Join(root, "audit.test")
	must(copyFile(exe, bin, 0o755))
	cmd := exec.Command(bin, "-test.run=^$")
	cmd.Env = []string{"CORDON_AUDIT_HELPER_UNPRIV=" + root, "PATH=/usr/bin:/bin", "HOME=/nonexistent"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: u.Credential()}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("as %s: %v\n%s", unprivUser, err, out)
	}
}

func copyFile(src, dst string, perm os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
