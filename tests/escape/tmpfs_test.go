package escape

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/cordonsec/cordon"
	"github.com/cordonsec/cordon/policy"
)

// TestTmpfsWithinMemory: without the memory cgroup (the unprivileged
// user), nothing counts tmpfs pages against limits.memory, so the work
// dir, /tmp and /dev/shm together must fit it: with memory 64MiB, tmp
// 32MiB and file_size 32MiB they took 32 + 64 + 32 = 128 MiB before. With
// the cgroup (root) the pages are charged to it.
func TestTmpfsWithinMemory(t *testing.T) {
	for _, m := range bothModes() {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			needMode(t, m)
			d := newRunDir(t, m)
			o := run(t, m, d, spec{script: "tmpfs_sum.py",
				limits: map[string]string{"memory": "64MiB", "tmp": "32MiB", "file_size": "32MiB", "wall_time": "30s"}})
			if o.res.Layers[policy.LayerCgroup] == cordon.LayerActive {
				// Charged to the memory cgroup: a full tmpfs or an OOM kill.
				if o.res.Status != cordon.StatusOK && o.res.Status != cordon.StatusMemoryLimit {
					t.Errorf("cgroup: status %s, want ok or memory-limit\n%s", o.res.Status, o)
				}
				return
			}
			var work, tmp, shm, sum int
			i := strings.Index(o.res.Stdout, "TMPFS")
			if i < 0 {
				t.Fatalf("the script did not finish: %s", o)
			}
			fmt.Sscanf(o.res.Stdout[i:], "TMPFS /work=%d /tmp=%d /dev/shm=%d sum=%d", &work, &tmp, &shm, &sum)
			if sum == 0 || sum > 64 {
				t.Errorf("ESCAPE: degraded: the tmpfs took %d MiB together (work %d, tmp %d, shm %d), above limits.memory 64MiB", sum, work, tmp, shm)
			}
			ev, ok := eventFor(o, "memory: degraded")
			if !ok {
				t.Fatalf("no memory-degraded event\n%s", o)
			}
			if b, _ := ev.Detail["tmpfs_bytes"].(float64); b <= 0 || b > 64<<20 {
				t.Errorf("memory-degraded event: tmpfs_bytes %v, want within 64MiB: %+v", ev.Detail["tmpfs_bytes"], ev)
			}
		})
	}
}

// TestSysVBounded: with SysV shared memory allowed, root's sandboxes get
// their IPC namespace's kernel.shmmax/shmall/shmmni bounded (limits.tmp in
// all), written by the supervisor from inside that namespace; the host's
// values stay. The unprivileged user cannot set them (only the namespace
// owner's root uid may) and the run says so.
func TestSysVBounded(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skipf("sysv_bounds.py carries x86_64 syscall numbers; this is %s", runtime.GOARCH)
	}
	hostMax, err := os.ReadFile("/proc/sys/kernel/shmmax")
	if err != nil {
		t.Skipf("no SysV shared memory here: %v", err)
	}
	for _, m := range bothModes() {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			needMode(t, m)
			d := newRunDir(t, m)
			const tmp = 16 << 20
			o := run(t, m, d, spec{script: "sysv_bounds.py", args: []string{strconv.Itoa(tmp)}, syscalls: []string{"sysvshm"},
				limits: map[string]string{"tmp": "16MiB", "memory": "256MiB", "wall_time": "30s"}})
			if !strings.Contains(o.res.Stdout, "SEGMENTS") {
				t.Fatalf("the script did not finish: %s", o)
			}
			if m.root() {
				for _, want := range []string{fmt.Sprintf("shmmax=%d", tmp), fmt.Sprintf("shmall=%d", tmp/os.Getpagesize()), "big: refused"} {
					if !strings.Contains(o.res.Stdout, want) {
						t.Errorf("ESCAPE: SysV shared memory not bounded to limits.tmp: no %q in\n%s", want, o)
					}
				}
				var n int
				fmt.Sscanf(o.res.Stdout[strings.Index(o.res.Stdout, "SEGMENTS"):], "SEGMENTS %d", &n)
				if n > tmp>>20 {
					t.Errorf("ESCAPE: %d segments of 1 MiB under a 16 MiB bound", n)
				}
			} else if o.res.Layers[policy.LayerCgroup] == cordon.LayerDegraded {
				if ev, ok := eventFor(o, "memory: degraded"); !ok || !strings.Contains(ev.Message, "SysV shared memory (isolation.allow_syscalls sysvshm) is not bounded") {
					t.Errorf("the unprivileged run does not say SysV shared memory is unbounded\n%s", o)
				}
			}
			if now, _ := os.ReadFile("/proc/sys/kernel/shmmax"); string(now) != string(hostMax) {
				t.Errorf("ESCAPE: the host's kernel.shmmax changed: %q, was %q", now, hostMax)
			}
		})
	}
}

// initDumpable reports who owns the init's /proc files: a non-dumpable
// process's are owned by root of its user namespace (unmapped in a
// sandbox: the overflow uid), a dumpable one's by its own uid, the
// script's.
const initDumpable = `
import os
mine = os.stat("/proc/self/environ").st_uid
init = os.stat("/proc/1/environ").st_uid
print("INIT %s" % ("dumpable" if init == mine else "not-dumpable"))
try:
    open("/proc/1/environ", "rb").read()
    print("ESCAPED: read the init's environment")
except OSError as e:
    print("BLOCKED: %s" % e.__class__.__name__)
`

// TestInitNotDumpable: the init makes itself non-dumpable
// (PR_SET_DUMPABLE 0), so nothing inside may ptrace it or open its
// /proc files (environ, mem, fds), though it shares the script's uid.
func TestInitNotDumpable(t *testing.T) {
	for _, m := range bothModes() {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			needMode(t, m)
			d := newRunDir(t, m)
			o := run(t, m, d, spec{script: "init_dumpable.py", source: initDumpable})
			if !strings.Contains(o.res.Stdout, "INIT not-dumpable") || !strings.Contains(o.res.Stdout, "BLOCKED") {
				t.Errorf("ESCAPE: the init is dumpable or readable from inside\n%s", o)
			}
		})
	}
}
