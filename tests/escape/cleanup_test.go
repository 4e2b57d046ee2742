package escape

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hostTrace is what of one test's own runs is visible on the host outside
// its run dir: cgroup dirs, temp entries and mounts. It is scoped to what the
// test itself started — the cordon processes it spawned (their pids name the
// cgroups they create), their run ids, its token and its run dir — so another
// cordon running on the same host (another test binary, another user) is
// never mistaken for a leftover of this one.
type hostTrace map[string]bool

// runTrace names what belongs to one test's runs.
type runTrace struct {
	d    *runDir
	pids []int    // cordon processes the test started
	ids  []string // run ids they reported
}

func (rt *runTrace) add(o *outcome) {
	rt.pids = append(rt.pids, o.pid)
	if o.res.ID != "" {
		rt.ids = append(rt.ids, o.res.ID)
	}
}

func (rt *runTrace) trace() hostTrace {
	tr := hostTrace{}
	for p := range ownCgroups(rt.pids, rt.ids) {
		tr["cgroup "+p] = true
	}
	// cordon's temp dirs go to the invoker's TMPDIR, which is the run
	// dir's own; anything there after the run is a leftover.
	if ents, err := os.ReadDir(rt.d.tmp); err == nil {
		for _, e := range ents {
			tr["temp "+filepath.Join(rt.d.tmp, e.Name())] = true
		}
	}
	// Elsewhere only names that carry this test's token or run ids are its.
	marks := append([]string{rt.d.token}, rt.ids...)
	for _, dir := range []string{os.TempDir(), "/tmp", "/dev/shm", "/run"} {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			p := filepath.Join(dir, e.Name())
			for _, mk := range marks {
				if strings.Contains(e.Name(), mk) && !strings.HasPrefix(rt.d.root, p) {
					tr["temp "+p] = true
				}
			}
		}
	}
	for _, l := range mountLines(append([]string{rt.d.root}, marks...)...) {
		tr["mount "+l] = true
	}
	return tr
}

// ownCgroups lists the cgroup dirs a cordon process among pids created (the
// project names a run's group <pid>-<start>-run-<id> under its parent
// "cordon"), or whose name carries one of ids.
func ownCgroups(pids []int, ids []string) map[string]bool {
	out := map[string]bool{}
	for _, root := range cgroupRoots() {
		walkDirs(root, 6, func(p string) {
			base := filepath.Base(p)
			for _, pid := range pids {
				if filepath.Base(filepath.Dir(p)) == "cordon" && strings.HasPrefix(base, strconv.Itoa(pid)+"-") {
					out[p] = true
				}
			}
			for _, id := range ids {
				if strings.Contains(base, id) {
					out[p] = true
				}
			}
		})
	}
	return out
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

// awaitClean polls until nothing of rt's runs is left (cleanup may finish
// a moment after cordon exits), up to d.
func (rt *runTrace) awaitClean(d time.Duration) []string {
	deadline := time.Now().Add(d)
	for {
		left := rt.trace().newSince(nil)
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
					d := newRunDir(t, m)
					o := run(t, m, d, k.s)
					t.Logf("status %s", o.res.Status)
					rt := &runTrace{d: d}
					rt.add(o)
					if left := rt.awaitClean(2 * time.Second); len(left) > 0 {
						t.Errorf("leftover after a %s run:\n%s", k.name, strings.Join(left, "\n"))
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
			d := newRunDir(t, m)
			rt := &runTrace{d: d}
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
			args := []string{"run", "--policy", pol, "sleep_tree.py", "--", d.token}
			if suite.warm {
				args = append([]string{"run", "--policy", pol, "--warm"}, args[3:]...)
			}
			cmd := exec.Command(suite.bin, args...)
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
			rt.pids = append(rt.pids, cmd.Process.Pid)
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
			stale := rt.trace().newSince(nil)
			t.Logf("left by the killed run (to be cleaned by the next): %v", stale)

			// The next run, by the same user with the same dirs, cleans up.
			o := run(t, m, d, spec{script: "hello.py"})
			judge(t, attack{want: ok, done: true}, m, o)
			rt.add(o)
			if left := rt.awaitClean(2 * time.Second); len(left) > 0 {
				t.Errorf("stale leftovers of the killed run survive the next run:\n%s", strings.Join(left, "\n"))
			}
		})
	}
}
