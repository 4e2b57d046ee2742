package escape

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/cordonsec/cordon"
	"github.com/cordonsec/cordon/policy"
)

// kernelLayers must be active in every run; cgroup may be degraded for the
// unprivileged user when its policy allows that.
var kernelLayers = []policy.Layer{
	policy.LayerUserNS, policy.LayerPIDNS, policy.LayerMountNS, policy.LayerNetNS,
	policy.LayerIPCNS, policy.LayerUTSNS, policy.LayerCgroupNS, policy.LayerRootfs,
	policy.LayerNoNewPrivs, policy.LayerCaps, policy.LayerSeccomp, policy.LayerLandlock,
	policy.LayerRlimits, policy.LayerNetwork,
}

func TestLayersInForce(t *testing.T) {
	for _, m := range bothModes() {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			needMode(t, m)
			d := newRunDir(t, m)
			o := run(t, m, d, spec{script: "hello.py"})
			if o.res.Status != cordon.StatusOK || !strings.Contains(o.res.Stdout, "hello from "+d.token) {
				t.Fatalf("hello world did not run: %s", o)
			}
			for _, l := range kernelLayers {
				if got := o.res.Layers[l]; got != cordon.LayerActive {
					t.Errorf("layer %s is %q, want active", l, got)
				}
			}
			cg := o.res.Layers[policy.LayerCgroup]
			switch {
			case m.root() && cg != cordon.LayerActive:
				t.Errorf("layer cgroup is %q for root, want active", cg)
			case !m.root() && cg != cordon.LayerActive && cg != cordon.LayerDegraded:
				t.Errorf("layer cgroup is %q for the unprivileged user, want active or degraded (allowed by its policy)", cg)
			}
		})
	}
}

// TestFailClosed: the unprivileged user under a policy that does not let
// the cgroup layer degrade either gets real cgroups or no run at all, an
// internal-error that names the missing layer.
func TestFailClosed(t *testing.T) {
	m := modeUser()
	needMode(t, m)
	t.Parallel()
	d := newRunDir(t, m)
	o := run(t, m, d, spec{script: "hello.py", policy: "analysis:\n  block: \"off\"\naudit:\n  enabled: false\n"})
	switch o.res.Status {
	case cordon.StatusOK:
		if o.res.Layers[policy.LayerCgroup] != cordon.LayerActive {
			t.Errorf("ran with cgroup %q although the policy does not allow it to degrade: %s", o.res.Layers[policy.LayerCgroup], o)
		}
	case cordon.StatusInternalError:
		if !strings.Contains(o.res.Error+o.stderr, "cgroup") {
			t.Errorf("refused without naming the missing layer: %s", o)
		}
		if strings.Contains(o.res.Stdout, "hello") {
			t.Errorf("refused, yet the script ran: %s", o)
		}
	default:
		t.Errorf("status %s, want ok with cgroups or internal-error: %s", o.res.Status, o)
	}
}

// TestTmpNotShared: what one run leaves in /tmp and /dev/shm is not there
// in the next.
func TestTmpNotShared(t *testing.T) {
	for _, m := range bothModes() {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			needMode(t, m)
			d1 := newRunDir(t, m)
			o1 := run(t, m, d1, spec{script: "tmp_write.py"})
			if o1.res.Status != cordon.StatusOK || !strings.Contains(o1.res.Stdout, "WROTE: /tmp") {
				t.Fatalf("the first run could not write its /tmp: %s", o1)
			}
			for _, p := range []string{"/tmp/leftover-" + d1.token, "/dev/shm/leftover-" + d1.token} {
				if _, err := lstat(p); err == nil {
					t.Errorf("ESCAPE: the sandbox's file %s landed on the host", p)
					t.Cleanup(func() { os.Remove(p) })
				}
			}
			d2 := newRunDir(t, m)
			o2 := run(t, m, d2, spec{script: "tmp_check.py", args: []string{d1.token}})
			judge(t, attack{want: ok, done: true}, m, o2)
		})
	}
}

// TestForkBomb first proves with a bounded loop that the pids limit holds,
// and only then lets a real fork bomb loose in the same test.
func TestForkBomb(t *testing.T) {
	const limit = 16
	for _, m := range bothModes() {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			needMode(t, m)
			limits := map[string]string{"processes": "16", "wall_time": "5s"}
			d := newRunDir(t, m)
			o := run(t, m, d, spec{script: "fork_bounded.py", args: []string{"64"}, limits: limits})
			var forked, of int
			var errName string
			for _, line := range strings.Split(o.res.Stdout, "\n") {
				if strings.HasPrefix(line, "FORKED") {
					_, _ = sscanf(line, &forked, &of, &errName)
				}
			}
			if !strings.Contains(o.res.Stdout, "FORKED") {
				t.Fatalf("the bounded fork loop did not report: %s", o)
			}
			if forked >= limit {
				t.Fatalf("ESCAPE: %d processes started under a limit of %d; the pids limit does not hold, so the real fork bomb is not run: %s", forked, limit, o)
			}
			t.Logf("bounded loop: %d of 64 forks succeeded under processes: %d", forked, limit)
			if !slices.Contains([]cordon.Status{cordon.StatusOK, cordon.StatusPidsLimit}, o.res.Status) {
				t.Errorf("bounded loop: status %s, want ok or pids-limit: %s", o.res.Status, o)
			}

			d = newRunDir(t, m)
			o = run(t, m, d, spec{script: "fork_bomb.py", limits: limits})
			// Held at the limit, the bomb's processes die as their forks
			// fail; on a loaded machine that can take longer than the wall
			// clock, and the run is a timeout — held all the same, which
			// the cgroup's refused forks (a pids-limit event) must show.
			judge(t, attack{
				want:     []cordon.Status{cordon.StatusPidsLimit, cordon.StatusTimeout},
				degraded: []cordon.Status{cordon.StatusPidsLimit, cordon.StatusTimeout, cordon.StatusExitNonzero},
				check: func(t *testing.T, _ mode, _ *runDir, o *outcome) {
					if o.res.Status != cordon.StatusTimeout || o.res.Layers[policy.LayerCgroup] != cordon.LayerActive {
						return
					}
					for _, e := range o.res.Events {
						if e.Type == cordon.EventPidsLimit {
							return
						}
					}
					t.Errorf("a fork bomb ended as timeout without a pids-limit event: the process limit left no evidence\n%s", o)
				},
			}, m, o)
		})
	}
}
