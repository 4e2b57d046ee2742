package escape

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cordonsec/cordon"
	"github.com/cordonsec/cordon/policy"
)

// TestThreadsWithinLimits: a script may start as many threads as
// limits.processes allows, also when the cgroup layer is degraded to
// rlimits (the unprivileged user), where an address-space limit let only
// six start.
func TestThreadsWithinLimits(t *testing.T) {
	for _, m := range bothModes() {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			needMode(t, m)
			d := newRunDir(t, m)
			o := run(t, m, d, spec{script: "threads.py", args: []string{"40"},
				limits: map[string]string{"processes": "64", "memory": "256MiB", "wall_time": "30s"}})
			if o.res.Status != cordon.StatusOK || !strings.Contains(o.res.Stdout, "THREADS 40") {
				t.Errorf("40 threads under processes: 64 did not all run: %s", o)
			}
		})
	}
}

// TestResourcesBounded: what the sandbox can take is bounded and told,
// with or without cgroups: a tmpfs takes a bounded number of files (a
// million empty files grew the host's slab by 1 GiB), a fork bomb ends as
// pids-limit, CPU spread over processes as cpu-limit with the CPU time in
// its usage, and a degraded run says what its memory limit is.
func TestResourcesBounded(t *testing.T) {
	for _, m := range bothModes() {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			needMode(t, m)
			d := newRunDir(t, m)
			o := run(t, m, d, spec{script: "many_files.py", args: []string{"/tmp", "200000"},
				limits: map[string]string{"tmp": "64MiB", "wall_time": "60s"}})
			var n int
			var errName string
			fmt.Sscanf(o.res.Stdout, "FILES %d %s", &n, &errName)
			if n == 0 || n > 16384 {
				t.Errorf("a 64 MiB /tmp took %d empty files (bound 16384): %s", n, clip(o.res.Stdout, 200))
			}

			d = newRunDir(t, m)
			o = run(t, m, d, spec{script: "fork_bomb.py", limits: map[string]string{"processes": "16", "wall_time": "20s"}})
			switch {
			case o.res.Status == cordon.StatusPidsLimit:
			case o.res.Layers[policy.LayerCgroup] == cordon.LayerDegraded && o.res.Status == cordon.StatusExitNonzero &&
				strings.Contains(o.res.Stderr, "BlockingIOError"):
				// Without cgroups the only evidence is the tree sampled
				// at the limit (every cpuPoll); a bomb whose every fork
				// failed at once can end between two samples. Held all
				// the same: RLIMIT_NPROC refused the forks.
				t.Logf("fork bomb held by RLIMIT_NPROC but ended between two samples: exit-nonzero")
			default:
				t.Errorf("fork bomb: status %s, want pids-limit\n%s", o.res.Status, o)
			}

			d = newRunDir(t, m)
			o = run(t, m, d, spec{script: "cpu_spin.py", args: []string{"4"},
				limits: map[string]string{"cpu_time": "1s", "wall_time": "20s"}})
			if cpu := o.res.Usage.CPUUserMS + o.res.Usage.CPUSysMS; o.res.Status != cordon.StatusCPULimit || cpu < 900 {
				t.Errorf("CPU over 4 processes: status %s with %d ms of CPU, want cpu-limit with ~1000 ms\n%s", o.res.Status, cpu, o)
			}
			if o.res.Layers[policy.LayerCgroup] == cordon.LayerDegraded {
				if _, ok := eventFor(o, "memory: degraded"); !ok {
					t.Errorf("a degraded run does not say what its memory limit is\n%s", o)
				}
			}
		})
	}
}
