package escape

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hostTrace is what of the project is visible on the host outside any run
// dir: cgroup dirs, temp entries and mounts whose names say cordon.
type hostTrace map[string]bool

func traceHost() hostTrace {
	tr := hostTrace{}
	for p := range cgroupDirs("cordon") {
		tr["cgroup "+p] = true
	}
	for _, dir := range []string{os.TempDir(), "/tmp", "/dev/shm", "/run"} {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			p := filepath.Join(dir, e.Name())
			if strings.Contains(strings.ToLower(e.Name()), "cordon") && !strings.HasPrefix(suite.base, p) {
				tr["temp "+p] = true
			}
		}
	}
	for _, l := range mountLines("cordon") {
		tr["mount "+l] = true
	}
	return tr
}

// newSince lists what tr has that before had not.
func (tr hostTrace) newSince(before hostTrace) []string {
	var out []string
	for k := range tr {
		if !before[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// awaitClean polls until nothing new since before is left (cleanup may
// finish a moment after cordon exits), up to d.
func awaitClean(before hostTrace, d time.Duration) []string {
	deadline := time.Now().Add(d)
	for {
		left := traceHost().newSince(before)
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestNothingLeftBehind runs one of each way a run ends, one after another
// (not in parallel, so whatever appears belongs to this test), and checks
// after each that no cgroup, temp dir or mount of the project remains.
func TestNothingLeftBehind(t *testing.T) {
	kinds := []struct {
		name string
		s    spec
	}{
		{"ok", spec{script: "hello.py"}},
		{"timeout", spec{script: "sleep_tree.py", limits: map[string]string{"wall_time": "1s"}}},
		{"memory-limit", spec{script: "memory_bomb.py", args: []string{"512"}, limits: map[string]string{"memory": "48MiB"}}},
		{"output-limit", spec{script: "flood.py", args: []string{"stdout", "8"}, limits: map[string]string{"output": "64KiB"}}},
		{"file-size-limit", spec{script: "file_bomb.py", args: []string{"4"}, limits: map[string]string{"file_size": "1MiB"}}},
	}
	for _, m := range bothModes() {
		t.Run(m.name, func(t *testing.T) {
			needMode(t, m)
			for _, k := range kinds {
				t.Run(k.name, func(t *testing.T) {
					before := traceHost()
					d := newRunDir(t, m)
					o := run(t, m, d, k.s)
					t.Logf("status %s", o.res.Status)
					if left := awaitClean(before, 2*time.Second); len(left) > 0 {
						t.Errorf("leftover after a %s run (if another cordon ran on this host meanwhile, it may be its):\n%s",
							k.name, strings.Join(left, "\n"))
					}
				})
			}
		})
	}
}

// TestSupervisorKilled SIGKILLs cordon while its script sleeps with a child,
// a grandchild and a daemon: the sandbox must die with its supervisor, and
// the next run must clean whatever the killed one left.
func TestSupervisorKilled(t *testing.T) {
	for _, m := range bothModes() {
		t.Run(m.name, func(t *testing.T) {
			needMode(t, m)
			before := traceHost()
			d := newRunDir(t, m)
			src, err := os.ReadFile("testdata/attacks/sleep_tree.py")
			if err != nil {
				t.Fatal(err)
			}
			script := filepath.Join(d.cwd, "sleep_tree.py")
			if err := os.WriteFile(script, src, 0o600); err != nil {
				t.Fatal(err)
			}
			chownTo(t, m, script)
			pol := filepath.Join(d.root, "policy.yaml")
			if err := os.WriteFile(pol, []byte(spec{limits: map[string]string{"wall_time": "60s"}}.policyYAML(m)), 0o600); err != nil {
				t.Fatal(err)
			}
			chownTo(t, m, pol)
			cmd := exec.Command(suite.bin, "run", "--policy", pol, "sleep_tree.py", "--", d.token)
			cmd.Dir = d.cwd
			cmd.Env = cordonEnv(m, d)
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: m.cred()}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := startChild(cmd); err != nil {
				t.Fatal(err)
			}
			exited := make(chan struct{})
			go func() { _ = cmd.Wait(); close(exited) }()
			awaitTree(t, d.token, exited)
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatalf("SIGKILL cordon: %v", err)
			}
			<-exited
			forgetChild(cmd.Process.Pid)
			if t.Failed() {
				t.Fatalf("the tree never started; cordon stderr: %s", stderr.String())
			}
			for _, p := range waitGone(d.token, 3*time.Second) {
				t.Errorf("ESCAPE: a sandbox process survived the SIGKILL of its supervisor: %s", p)
				killLeftover(p)
			}
			for _, p := range orphans() {
				t.Errorf("a sandbox process was re-parented instead of dying with its supervisor: %s", p)
				killLeftover(p)
			}
			stale := traceHost().newSince(before)
			t.Logf("left by the killed run (to be cleaned by the next): %v", stale)

			// The next run, by the same user with the same dirs, cleans up.
			o := run(t, m, d, spec{script: "hello.py"})
			judge(t, attack{want: ok, done: true}, m, o)
			if left := awaitClean(before, 2*time.Second); len(left) > 0 {
				t.Errorf("stale leftovers of the killed run survive the next run:\n%s", strings.Join(left, "\n"))
			}
		})
	}
}
