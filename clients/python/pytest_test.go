package python

// The Python client's pytest suite and its wheel, run by `go test ./...`
// (the README's one test command): pytest starts a real `cordon serve` on
// 127.0.0.1 with the binary built here.

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/cordonsec/cordon/internal/testenv"
)

const python = testenv.Python

// need stops the test when python3 or one of its modules is really
// absent, saying which (testenv.Missing: a skip, in CI a failure; CI's
// .ci/run installs them).
func need(t *testing.T, modules ...string) {
	t.Helper()
	testenv.NeedPython(t)
	for _, m := range modules {
		if out, err := exec.Command(python, "-c", "import "+m).CombinedOutput(); err != nil {
			testenv.Missing(t, "%s has no %s module (apt-get install python3-%s): %s", python, m, m, strings.TrimSpace(string(out)))
		}
	}
}

func TestPytest(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("cordon serve runs scripts on Linux only")
	}
	need(t, "pytest")
	bin := filepath.Join(t.TempDir(), "cordon")
	build := exec.Command("go", "build", "-o", bin, "./cmd/cordon")
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests")
	cmd.Env = append(os.Environ(), "CORDON_BIN="+bin, "PYTHONDONTWRITEBYTECODE=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pytest: %v\n%s", err, out)
	}
	t.Logf("%s", lastLine(out))
}

// TestWheel builds the package's wheel offline, as a release would.
func TestWheel(t *testing.T) {
	need(t, "pip", "setuptools", "wheel")
	dir := t.TempDir()
	// The build writes into its source tree (build/, *.egg-info): build
	// from a copy.
	src := filepath.Join(dir, "src")
	if out, err := exec.Command("cp", "-r", ".", src).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v\n%s", err, out)
	}
	cmd := exec.Command(python, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", filepath.Join(dir, "dist"), src)
	cmd.Env = append(os.Environ(), "PIP_NO_INPUT=1", "PIP_DISABLE_PIP_VERSION_CHECK=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pip wheel: %v\n%s", err, out)
	}
	wheels, _ := filepath.Glob(filepath.Join(dir, "dist", "cordon_client-*.whl"))
	if len(wheels) != 1 {
		t.Fatalf("wheels %v", wheels)
	}
	out, err := exec.Command(python, "-m", "zipfile", "-l", wheels[0]).CombinedOutput()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"cordon/__init__.py", "cordon/client.py", "cordon/evidence.py", "cordon/_ed25519.py", "cordon/shim.py", "cordon/py.typed"} {
		if !strings.Contains(string(out), f) {
			t.Errorf("the wheel lacks %s:\n%s", f, out)
		}
	}
}

func lastLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
