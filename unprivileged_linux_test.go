//go:build linux

package cordon

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/cordonsec/cordon/internal/testenv"
)

// unprivUser is the throwaway account the unprivileged runs use; created
// when absent, never removed (another test may be using it).
const unprivUser = "cordon-test-sbx"

// TestUnprivileged re-runs the sandbox tests as a throwaway unprivileged
// user: user namespaces give the same isolation, and the cgroup layer
// (which root owns here) degrades to rlimits as testPolicy allows.
func TestUnprivileged(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to switch to a throwaway user (these tests already run unprivileged)")
	}
	if os.Getenv("CORDON_TEST_UNPRIV") != "" {
		return
	}
	needPython(t)
	u := testenv.NeedUser(t, unprivUser)
	uid, gid := u.UID, u.GID
	dir, err := os.MkdirTemp("", "cordon-unpriv-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "cordon.test")
	b, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(dir, "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(home, uid, gid); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run", "^(TestStdlibUnchanged|TestLimits|TestTimeoutKillsTree|TestIsolation|TestTmpNotShared|TestPrepared|TestTightenDenyHolds|TestOutputs|TestInputsChecked|TestSlowReader|TestCanceledKeepsRecord|TestDoctorPredictsRun|TestProbeHost)$", "-test.v", "-test.count=1")
	cmd.Dir = home
	repo, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Env = []string{"CORDON_TEST_UNPRIV=1", "CORDON_TEST_REPO=" + repo, "HOME=" + home, "XDG_STATE_HOME=" + home, "PATH=/usr/local/bin:/usr/bin:/bin", "CI=" + os.Getenv("CI")}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: u.Credential()}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "\nPASS") {
		t.Fatalf("as %s: %v\n%s", unprivUser, err, out)
	}
	if strings.Contains(string(out), "--- SKIP: TestStdlibUnchanged") {
		t.Fatalf("as %s the sandbox tests skipped:\n%s", unprivUser, out)
	}
	t.Logf("as %s:\n%s", unprivUser, out)
}
