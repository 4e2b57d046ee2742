package host

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/cordonsec/cordon/internal/testenv"
	"github.com/cordonsec/cordon/policy"
)

const childEnv = "CORDON_HOST_TEST_PROBE"

// TestMain lets the unprivileged test re-execute this binary as another
// user: the child probes, prints the report as JSON and exits.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		r, err := Probe(context.Background())
		if err != nil {
			fmt.Fprintln(os.Stderr, "probe:", err)
			os.Exit(90)
		}
		if err := json.NewEncoder(os.Stdout).Encode(r); err != nil {
			os.Exit(91)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var (
	inCI     = testenv.InCI
	needRoot = testenv.NeedRoot
)

// ownProbeGlob matches the probe groups this process creates (other
// processes, e.g. a parallel `cordon doctor` test, may be probing too).
func ownProbeGlob(parent string) string {
	return filepath.Join(parent, fmt.Sprintf("%s%d-*", ProbeGroupPrefix, os.Getpid()))
}

// probeLeftovers lists this process's probe groups under the controllers'
// own groups.
func probeLeftovers(r *Report) []string {
	var out []string
	for _, c := range r.Cgroups.Controllers {
		if c.Group == "" {
			continue
		}
		ms, _ := filepath.Glob(ownProbeGlob(c.Group))
		out = append(out, ms...)
	}
	return out
}

// TestProbeHost checks Probe against evidence gathered independently from
// /proc, /sys and by trying the features another way.
func TestProbeHost(t *testing.T) {
	needRoot(t)
	r, err := Probe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := json.Marshal(r); err != nil {
		t.Fatalf("report not JSON: %v", err)
	}
	if b, _ := os.ReadFile("/proc/sys/kernel/osrelease"); strings.TrimSpace(string(b)) != r.Kernel.Release {
		t.Errorf("kernel %q, /proc says %q", r.Kernel.Release, b)
	}
	if !r.User.Root || r.User.UID != 0 {
		t.Errorf("user %+v", r.User)
	}

	// Namespaces: as root each must start (unshare(1) is the witness).
	for _, n := range []string{"user", "pid", "mount", "net", "ipc", "uts", "cgroup"} {
		if ns := r.UserNS.Namespace(n); !ns.Available {
			t.Errorf("%s namespace unavailable as root: %s", n, ns.Error)
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
		want := strings.Fields(string(b))
		if strings.Join(want, " ") != strings.Join(r.Seccomp.Actions, " ") {
			t.Errorf("actions %v, want %v", r.Seccomp.Actions, want)
		}
		if strings.Contains(string(b), "user_notif") != r.Seccomp.UserNotif {
			t.Errorf("user_notif %v", r.Seccomp.UserNotif)
		}
	} else if inCI() {
		t.Errorf("CI host without seccomp actions_avail: %v", err)
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
	if strings.HasPrefix(r.Kernel.Release, "6.18.") && r.Landlock.ABI != 7 {
		t.Errorf("Linux 6.18 has Landlock ABI 7, got %d", r.Landlock.ABI)
	}

	// cgroups: a controller whose v1 files exist lives on v1 and root can
	// use it; a v2 mount is where cgroup.controllers is.
	for _, c := range []struct{ name, file string }{
		{"memory", "memory.limit_in_bytes"}, {"pids", "pids.max"}, {"cpu", "cpu.shares"},
	} {
		got := r.Cgroups.Controller(c.name)
		if _, err := os.Stat(filepath.Join("/sys/fs/cgroup", c.name, c.file)); err == nil {
			if got.Version != "v1" || got.Mount != "/sys/fs/cgroup/"+c.name {
				t.Errorf("%s: %+v, want v1 at /sys/fs/cgroup/%s", c.name, got, c.name)
			}
		}
		if got.Version != "" && !got.Usable {
			t.Errorf("%s (%s) not usable by root: %s", c.name, got.Version, got.Error)
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
	if left := probeLeftovers(r); len(left) > 0 {
		t.Errorf("probe groups left behind: %v", left)
	}

	if !r.Pidfd.Available || !r.NoNewPrivs.Available {
		t.Errorf("pidfd %+v, no_new_privs %+v", r.Pidfd, r.NoNewPrivs)
	}
	if _, err := exec.LookPath("python3"); err == nil && (r.Interpreter.Path == "" || r.Interpreter.Error != "") {
		t.Errorf("interpreter %+v", r.Interpreter)
	}

	plan := Plan(policy.Default(), r)
	if err := plan.Err(); err != nil {
		t.Errorf("default policy cannot run as root here: %v", err)
	}
	t.Logf("kernel %s, landlock ABI %d, seccomp %v, cgroups %+v", r.Kernel.Release, r.Landlock.ABI, r.Seccomp.Actions, r.Cgroups.Controllers)
}

// testUser returns a throwaway system user, creating it if absent (it is
// left for the next run; it owns nothing).
func testUser(t *testing.T) (uid, gid int) {
	t.Helper()
	u, err := testenv.EnsureUser("cordon-test-host")
	if err != nil {
		testenv.Missing(t, "cannot create a test user: %v", err)
	}
	return u.UID, u.GID
}

// copyTestBinary puts this test binary where another user can run it.
func copyTestBinary(t *testing.T) (bin, dir string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "cordon-host-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	src, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	bin = filepath.Join(dir, "host.test")
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	return bin, dir
}

// TestProbeUnprivileged runs Probe as a throwaway user: cgroups must be
// reported unusable (root owns every group it could create under) while
// user namespaces stay available, and the default policy must be refused
// naming the cgroup layer — or run degraded when the policy allows it.
func TestProbeUnprivileged(t *testing.T) {
	needRoot(t)
	uid, gid := testUser(t)
	bin, dir := copyTestBinary(t)
	cmd := exec.Command(bin)
	cmd.Env = []string{childEnv + "=1", "PATH=/usr/bin:/bin", "HOME=" + dir, "XDG_STATE_HOME=" + dir + "/state"}
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("probe as uid %d: %v\n%s", uid, err, stderr.String())
	}
	var r Report
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	if r.User.UID != uid || r.User.Root {
		t.Fatalf("probe ran as %+v", r.User)
	}
	for _, n := range []string{"user", "pid", "mount", "net", "ipc", "uts", "cgroup"} {
		if ns := r.UserNS.Namespace(n); !ns.Available {
			t.Errorf("%s namespace unavailable to uid %d: %s", n, uid, ns.Error)
		}
	}
	for _, c := range []string{"memory", "pids"} {
		got := r.Cgroups.Controller(c)
		if got.Version == "" {
			continue // not on this host at all
		}
		if got.Usable {
			t.Errorf("%s cgroup usable by a fresh unprivileged user: %+v", c, got)
		}
		if !strings.Contains(got.Error, "permission denied") {
			t.Errorf("%s: error %q does not say permission denied", c, got.Error)
		}
	}
	if r.Interpreter.Path == "" {
		t.Logf("interpreter as uid %d: %s", uid, r.Interpreter.Error)
	}

	p := policy.Default()
	if r.Interpreter.Name != p.Runtime.Interpreter {
		t.Fatalf("probed interpreter %q", r.Interpreter.Name)
	}
	plan := Plan(p, &r)
	err = plan.Err()
	var ue *UnavailableError
	if !errors.As(err, &ue) || !errors.Is(err, ErrLayerUnavailable) {
		t.Fatalf("default policy as uid %d: %v, want an UnavailableError", uid, err)
	}
	if plan.State(policy.LayerCgroup) != Unavailable || !strings.Contains(err.Error(), "cgroup (memory controller not usable") {
		t.Errorf("plan error %q does not name the cgroup layer", err)
	}
	if plan.State(policy.LayerUserNS) != Active || plan.State(policy.LayerSeccomp) != Active {
		t.Errorf("plan %+v", plan)
	}

	p.Isolation.AllowDegraded = []policy.Layer{policy.LayerCgroup}
	plan = Plan(p, &r)
	if plan.State(policy.LayerCgroup) != Degraded {
		t.Errorf("allowed to degrade: cgroup %s", plan.State(policy.LayerCgroup))
	}
	if err := plan.Err(); err != nil && strings.Contains(err.Error(), "cgroup") {
		t.Errorf("degraded cgroup still refused: %v", err)
	}
}

func BenchmarkProbe(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		if _, err := Probe(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// TestTryGroupV2 exercises the v2 probe on the host's unified hierarchy:
// the probe group is created and removed, and the controller is reported
// usable exactly when the parent's cgroup.subtree_control enables it.
func TestTryGroupV2(t *testing.T) {
	needRoot(t)
	l, err := readLayout()
	if err != nil {
		t.Fatal(err)
	}
	if l.v2 == nil {
		t.Skip("no cgroup v2 hierarchy mounted")
	}
	var parent string
	for _, line := range l.own {
		if line.ID == 0 {
			parent, err = ownGroup(l.v2.Mount, l.v2Root, line.Path)
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	if parent == "" {
		t.Skip("this process has no v2 group")
	}
	sub, err := os.ReadFile(filepath.Join(parent, "cgroup.subtree_control"))
	if err != nil {
		t.Fatal(err)
	}
	enabled := strings.Contains(" "+strings.TrimSpace(string(sub))+" ", " memory ")
	_, err = tryGroup("v2", "memory", parent)
	if enabled && err != nil {
		t.Fatalf("memory enabled under %s but the probe failed: %v", parent, err)
	}
	if !enabled && (err == nil || !strings.Contains(err.Error(), "cgroup.subtree_control lacks +memory")) {
		t.Fatalf("memory not enabled under %s, probe said %v", parent, err)
	}
	if left, _ := filepath.Glob(ownProbeGlob(parent)); len(left) > 0 {
		t.Fatalf("probe groups left behind: %v", left)
	}
}
