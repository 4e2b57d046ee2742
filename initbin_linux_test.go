//go:build linux

package cordon

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"testing"

	"github.com/cordonsec/cordon/sandbox"
)

// buildInit builds cmd/cordon-init into a folder every user can read, with
// extra go build arguments.
func buildInit(t *testing.T, args ...string) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not on PATH")
	}
	dir, err := os.MkdirTemp("", "cordon-init-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "cordon-init")
	cmdArgs := append([]string{"build", "-o", bin}, args...)
	if raceBuild() {
		cmdArgs = append(cmdArgs, "-race")
	}
	cmd := exec.Command(goTool, append(cmdArgs, "./cmd/cordon-init")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building cordon-init: %v\n%s", err, out)
	}
	return bin
}

// A sandbox started with Options.InitBinary runs that binary as its init
// (not the caller's), and one from another build is refused.
func TestInitBinary(t *testing.T) {
	needPython(t)
	bin := buildInit(t)
	ex, err := NewExecutor(Options{InitBinary: bin})
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	p, err := ex.Prepare(context.Background(), testPolicy())
	if err != nil {
		t.Fatal(err)
	}
	if exe, err := os.Readlink("/proc/" + strconv.Itoa(p.sb.Pid()) + "/exe"); err != nil || exe != bin {
		t.Errorf("the init runs %q (%v), want %s", exe, err, bin)
	}
	res, err := p.Run(context.Background(), Job{Source: []byte("print('hi')")})
	if err != nil || res.Status != StatusOK || res.Stdout != "hi\n" {
		t.Fatalf("%v %s %q %s", err, res.Status, res.Stdout, res.Error)
	}

	other := buildInit(t, "-ldflags", "-X github.com/cordonsec/cordon/sandbox.protocol=cordon-sandbox/0")
	ex2, _ := NewExecutor(Options{InitBinary: other})
	defer ex2.Close()
	_, err = ex2.Prepare(context.Background(), testPolicy())
	var se *SetupError
	if !errors.As(err, &se) || !errors.Is(err, sandbox.ErrSetup) {
		t.Errorf("an init binary of another build: %v", err)
	}
}

// raceBuild reports whether this test binary has the race detector (the
// init binary must match it: the build is part of sandbox.BuildID).
func raceBuild() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" && s.Value == "true" {
			return true
		}
	}
	return false
}
