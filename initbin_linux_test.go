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

	"github.com/cordonsec/cordon/internal/testenv"
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

// A cordon-init beside the executable is used only when nobody but root,
// the caller or the executable's owner could have put it there or changed
// it: one planted by another user (in a sticky /tmp-like folder, or in a
// folder others may write) would run as the caller and build its sandbox.
func TestInitBinaryBesideTrust(t *testing.T) {
	u := testenv.NeedUser(t, unprivUser)
	fresh := func(t *testing.T, dirMode os.FileMode) (exe, init string) {
		dir := t.TempDir()
		if err := os.Chmod(dir, dirMode); err != nil {
			t.Fatal(err)
		}
		exe, init = filepath.Join(dir, "cordon"), filepath.Join(dir, "cordon-init")
		for _, p := range []string{exe, init} {
			if err := os.WriteFile(p, []byte("#!/bin/false\n"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		return exe, init
	}
	t.Run("own", func(t *testing.T) {
		exe, init := fresh(t, 0o755)
		if got := initBinaryBeside(exe); got != init {
			t.Fatalf("initBinaryBeside = %q, want %q", got, init)
		}
	})
	t.Run("planted by another user in a sticky folder", func(t *testing.T) {
		exe, init := fresh(t, 0o1777)
		if err := os.Chown(init, u.UID, u.GID); err != nil {
			t.Fatal(err)
		}
		if got := initBinaryBeside(exe); got != "" {
			t.Fatalf("initBinaryBeside = %q: another user's cordon-init would run as the caller", got)
		}
	})
	t.Run("folder others may write", func(t *testing.T) {
		exe, _ := fresh(t, 0o777)
		if got := initBinaryBeside(exe); got != "" {
			t.Fatalf("initBinaryBeside = %q: anyone could replace it", got)
		}
	})
	t.Run("folder of another user", func(t *testing.T) {
		exe, _ := fresh(t, 0o755)
		if err := os.Chown(filepath.Dir(exe), u.UID, u.GID); err != nil {
			t.Fatal(err)
		}
		if got := initBinaryBeside(exe); got != "" {
			t.Fatalf("initBinaryBeside = %q: the folder's owner could replace it", got)
		}
	})
	t.Run("writable by group", func(t *testing.T) {
		exe, init := fresh(t, 0o755)
		if err := os.Chmod(init, 0o775); err != nil {
			t.Fatal(err)
		}
		if got := initBinaryBeside(exe); got != "" {
			t.Fatalf("initBinaryBeside = %q", got)
		}
	})
}
