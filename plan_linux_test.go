//go:build linux

package cordon

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cordonsec/cordon/policy"
)

// testSetPolicies are the policies of the test set: the built-in default,
// examples/*.yaml, the valid vectors of policy/testdata, and a policy whose
// interpreter does not exist. Audit logs go to dir.
func testSetPolicies(t *testing.T, dir string) map[string]*policy.Policy {
	t.Helper()
	// TestUnprivileged runs this from another folder and says where the
	// repository is.
	repo := os.Getenv("CORDON_TEST_REPO")
	files, _ := filepath.Glob(filepath.Join(repo, "examples/*.yaml"))
	good, _ := filepath.Glob(filepath.Join(repo, "policy/testdata/good_*.yaml"))
	files = append(files, good...)
	if len(files) < 3 {
		t.Fatalf("the test set is too small: %v", files)
	}
	out := map[string]*policy.Policy{"builtin:default": policy.Default()}
	for _, f := range files {
		p, err := policy.Load(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[f] = p
	}
	nopy := policy.Default()
	nopy.Runtime.Interpreter = "/nonexistent/python3"
	nopy.Isolation.AllowDegraded = []policy.Layer{policy.LayerRootfs, policy.LayerUserNS}
	out["nonexistent-interpreter"] = nopy
	for name, p := range out {
		name = strings.TrimPrefix(name, repo)
		p.Audit.Dir = filepath.Join(dir, strings.NewReplacer("/", "_", ":", "_").Replace(name))
	}
	return out
}

// TestDoctorPredictsRun: for every policy of the test set, what `cordon
// doctor --policy P` says (Executor.Diagnose: the probe, the plan, the
// trial sandbox) is exactly what a run with P does — the same refusal
// naming the same layer, or every layer in the state the plan gave it.
// TestUnprivileged runs it as a throwaway user too (cgroup refused, or
// degraded where the policy allows).
func TestDoctorPredictsRun(t *testing.T) {
	needPython(t)
	ex, err := NewExecutor(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	ctx := context.Background()
	for name, pol := range testSetPolicies(t, t.TempDir()) {
		t.Run(name, func(t *testing.T) {
			d, err := ex.Diagnose(ctx, pol)
			if err != nil {
				t.Fatal(err)
			}
			res, err := ex.Run(ctx, Job{Source: []byte("print('hello')\n"), Policy: pol})
			if err != nil {
				t.Fatal(err)
			}
			if derr := d.Err(); derr != nil {
				var ue *UnavailableError
				var want []policy.Layer
				switch se := (*SetupError)(nil); {
				case errors.As(derr, &ue):
					for _, l := range ue.Layers {
						want = append(want, l.Layer)
					}
				case errors.As(derr, &se):
					want = []policy.Layer{se.Result.FailedLayer}
				default:
					t.Fatalf("doctor: %v (%T)", derr, derr)
				}
				if res.Status != StatusInternalError || !slices.Contains(want, res.FailedLayer) {
					t.Fatalf("doctor refuses (%v), run: %s, failed layer %q (%s)", derr, res.Status, res.FailedLayer, res.Error)
				}
				t.Logf("both refuse: %s", res.Error)
				return
			}
			// Doctor predicts the layers and the refusal, not the script's
			// own fate under the policy's limits.
			if res.Status == StatusInternalError || res.Status == StatusRejected {
				t.Fatalf("doctor says it runs, run: %s %s\n%s", res.Status, res.Error, res.Stderr)
			}
			if res.Status != StatusOK {
				t.Logf("the script ended %s (exit %d): %q", res.Status, res.ExitCode, res.Stderr)
			}
			for _, lp := range d.Plan.Layers {
				if got := res.Layers[lp.Layer]; got != lp.State {
					t.Errorf("%s: doctor says %s (%s), the run had it %s", lp.Layer, lp.State, lp.Reason, got)
				}
			}
			if len(res.Layers) != len(d.Plan.Layers) {
				t.Errorf("the run reports %d layers, the plan %d", len(res.Layers), len(d.Plan.Layers))
			}
		})
	}
}

// TestProbeHost checks ProbeHost against evidence gathered independently
// from /proc, /sys and by trying the features another way; as a
// throwaway user (TestUnprivileged) the cgroups are root's and unusable.
func TestProbeHost(t *testing.T) {
	r, err := ProbeHost(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := json.Marshal(r); err != nil {
		t.Fatalf("report not JSON: %v", err)
	}
	if b, _ := os.ReadFile("/proc/sys/kernel/osrelease"); strings.TrimSpace(string(b)) != r.Kernel.Release {
		t.Errorf("kernel %q, /proc says %q", r.Kernel.Release, b)
	}
	if r.User.UID != os.Geteuid() || r.User.Root != (os.Geteuid() == 0) {
		t.Errorf("user %+v", r.User)
	}
	// Namespaces: this host gives them to root and to a throwaway user.
	for _, n := range []string{"user", "pid", "mount", "net", "ipc", "uts", "cgroup"} {
		if ns := r.UserNS.Namespace(n); !ns.Available {
			t.Errorf("%s namespace unavailable to uid %d: %s", n, os.Geteuid(), ns.Error)
		}
	}
	if b, err := os.ReadFile("/proc/sys/user/max_user_namespaces"); err == nil {
		if v, _ := strconv.Atoi(strings.TrimSpace(string(b))); v != r.UserNS.MaxUserNamespaces {
			t.Errorf("max_user_namespaces %d, /proc says %d", r.UserNS.MaxUserNamespaces, v)
		}
	}
	// Seccomp: the actions file is the witness.
	if b, err := os.ReadFile("/proc/sys/kernel/seccomp/actions_avail"); err == nil {
		if !r.Seccomp.Available {
			t.Errorf("seccomp unavailable: %s", r.Seccomp.Error)
		}
		if want := strings.Fields(string(b)); strings.Join(want, " ") != strings.Join(r.Seccomp.Actions, " ") {
			t.Errorf("actions %v, want %v", r.Seccomp.Actions, want)
		}
	}
	// Landlock: creating a real ruleset (which restricts nothing until
	// enforced) is the witness.
	if err := landlockRuleset(); err == nil {
		if r.Landlock.ABI < 1 {
			t.Errorf("a Landlock ruleset can be created, ABI %d: %s", r.Landlock.ABI, r.Landlock.Error)
		}
	} else if r.Landlock.ABI != 0 {
		t.Errorf("landlock ABI %d but creating a ruleset fails: %v", r.Landlock.ABI, err)
	}
	if !r.Pidfd.Available || !r.NoNewPrivs.Available {
		t.Errorf("pidfd %+v, no_new_privs %+v", r.Pidfd, r.NoNewPrivs)
	}
	if _, err := exec.LookPath("python3"); err == nil && (r.Interpreter.Path == "" || r.Interpreter.Error != "") {
		t.Errorf("interpreter %+v", r.Interpreter)
	}
	// cgroups: a controller whose v1 files exist lives on v1; a v2 mount
	// is where cgroup.controllers is.
	for _, c := range []struct{ name, file string }{
		{"memory", "memory.limit_in_bytes"}, {"pids", "pids.max"}, {"cpu", "cpu.shares"},
	} {
		got := r.Cgroups.Controller(c.name)
		if _, err := os.Stat(filepath.Join("/sys/fs/cgroup", c.name, c.file)); err == nil {
			if got.Version != "v1" || got.Mount != "/sys/fs/cgroup/"+c.name {
				t.Errorf("%s: %+v, want v1 at /sys/fs/cgroup/%s", c.name, got, c.name)
			}
		}
		switch {
		case got.Version == "":
		case os.Geteuid() == 0 && !got.Usable:
			t.Errorf("%s (%s) not usable by root: %s", c.name, got.Version, got.Error)
		case os.Geteuid() != 0 && got.Usable:
			t.Errorf("%s cgroup usable by a fresh unprivileged user: %+v", c.name, got)
		}
		if got.Group != "" {
			if left, _ := filepath.Glob(filepath.Join(got.Group, "cordon", strconv.Itoa(os.Getpid())+"-*-probe-*")); len(left) > 0 {
				t.Errorf("probe groups left behind: %v", left)
			}
		}
	}
	for _, m := range []string{"/sys/fs/cgroup/unified", "/sys/fs/cgroup"} {
		if _, err := os.Stat(filepath.Join(m, "cgroup.controllers")); err == nil {
			if r.Cgroups.V2 == nil || r.Cgroups.V2.Mount != m {
				t.Errorf("v2 %+v, want mount %s", r.Cgroups.V2, m)
			}
			break
		}
	}
	if _, err := os.Stat("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"); err == nil && !r.Cgroups.SwapAccounting {
		t.Error("memsw files exist but no swap accounting reported")
	}

	p := policy.Default()
	plan := PlanFor(p, r)
	if os.Geteuid() == 0 {
		if err := plan.Err(); err != nil {
			t.Errorf("default policy cannot run as root here: %v", err)
		}
		return
	}
	err = plan.Err()
	if !errors.Is(err, ErrLayerUnavailable) || plan.State(policy.LayerCgroup) != LayerUnavailable ||
		!strings.Contains(err.Error(), "cgroup (memory") || !strings.Contains(err.Error(), "not usable by uid "+strconv.Itoa(os.Geteuid())) {
		t.Errorf("default policy as uid %d: %v, want the cgroup layer unavailable", os.Geteuid(), err)
	}
	p.Isolation.AllowDegraded = []policy.Layer{policy.LayerCgroup}
	if plan = PlanFor(p, r); plan.State(policy.LayerCgroup) != LayerDegraded || plan.Err() != nil {
		t.Errorf("allowed to degrade: cgroup %s, %v", plan.State(policy.LayerCgroup), plan.Err())
	}
}

func BenchmarkProbeHost(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		if _, err := ProbeHost(ctx, nil); err != nil {
			b.Fatal(err)
		}
	}
}
