package escape

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/cordonsec/cordon/internal/testenv"
	"golang.org/x/sys/unix"
)

// suite is what TestMain prepares once for every test.
var suite struct {
	base       string // 0755 temp dir holding the binary and every run dir
	bin        string // the cordon binary built from this tree
	binErr     error  // why the binary could not be built
	runMissing string // why `cordon run` cannot be used yet ("" when it exists)
	user       *testUser
	userErr    error
	python     string // a python3 every user can execute
	// warm runs every attack through a warm sandbox (`cordon run
	// --warm`, a pool of one) instead of a cold one: CORDON_ESCAPE_WARM=1.
	warm bool
}

// testUser is the throwaway unprivileged user the "user" mode runs as.
type testUser struct {
	name     string
	uid, gid uint32
}

const testUserName = "cordon-test-escape"

func TestMain(m *testing.M) {
	os.Exit(mainRun(m))
}

func mainRun(m *testing.M) int {
	if runtime.GOOS != "linux" {
		fmt.Println("escape: the break-out suite needs Linux")
		return 0
	}
	base, err := os.MkdirTemp("", "cordon-escape-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "escape:", err)
		return 1
	}
	defer os.RemoveAll(base)
	if err := os.Chmod(base, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "escape:", err)
		return 1
	}
	suite.base = base
	suite.warm = os.Getenv("CORDON_ESCAPE_WARM") == "1"
	if bin := os.Getenv("CORDON_ESCAPE_BIN"); bin != "" {
		// Attack another build (or, to check that the suite can fail,
		// a stand-in that does not sandbox at all).
		suite.bin = bin
	} else {
		suite.bin, suite.binErr = buildCordon(base)
	}
	if suite.binErr == nil {
		suite.runMissing = probeRun(suite.bin)
	}
	if os.Geteuid() == 0 {
		suite.user, suite.userErr = ensureUser()
	} else {
		suite.userErr = fmt.Errorf("the unprivileged mode needs root to create %s (running as uid %d)", testUserName, os.Geteuid())
	}
	suite.python = pythonForAll()
	// Orphans of cordon (a sandbox that outlived its supervisor) are
	// re-parented to this process instead of the host's init, so the
	// leftover checks see them and can reap them.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		fmt.Fprintln(os.Stderr, "escape: PR_SET_CHILD_SUBREAPER:", err)
		return 1
	}
	return m.Run()
}

// buildCordon builds ./cmd/cordon of this module into dir/bin/cordon,
// readable and executable by everyone (the unprivileged mode runs it).
func buildCordon(dir string) (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(out)))
	bindir := filepath.Join(dir, "bin")
	if err := os.MkdirAll(bindir, 0o755); err != nil {
		return "", err
	}
	bin := filepath.Join(bindir, "cordon")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/cordon")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/cordon: %w\n%s", err, b)
	}
	return bin, os.Chmod(bin, 0o755)
}

// probeRun says why `cordon run` is unusable, or "" when the subcommand
// exists.
func probeRun(bin string) string {
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "help", "run")
	cmd.Stdout = &stderr
	cmd.Stderr = &stderr
	_ = cmd.Run()
	if strings.Contains(stderr.String(), `unknown command "run"`) {
		return "waiting for `cordon run`: issue 3 (the binary has no run subcommand yet)"
	}
	return ""
}

// ensureUser creates the throwaway system user if it is absent. It is left
// in place (other runs reuse it); nothing else of the host is changed.
func ensureUser() (*testUser, error) {
	u, err := testenv.EnsureUser(testUserName)
	if err != nil {
		return nil, err
	}
	return &testUser{name: u.Name, uid: uint32(u.UID), gid: uint32(u.GID)}, nil
}

// pythonForAll is a python3 binary the unprivileged user can run (the
// pyenv install under /root is not reachable for it).
func pythonForAll() string {
	for _, p := range []string{"/usr/bin/python3", "/usr/local/bin/python3"} {
		if fi, err := os.Stat(p); err == nil && fi.Mode()&0o001 != 0 {
			return p
		}
	}
	return ""
}
