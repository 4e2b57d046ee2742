//go:build linux

package cgroup

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeGroup lays out a group's control files in a plain directory, so that
// the v1 and v2 file mapping is checked on any host (this one has no v2
// memory or pids controller to test for real).
func fakeGroup(t *testing.T, v2 bool, files map[string]string) *Group {
	t.Helper()
	dir := t.TempDir()
	for f, s := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h := &hier{v2: v2, controllers: []string{Memory, Pids, CPU}}
	if !v2 {
		h.controllers = append(h.controllers, CPUAcct)
	}
	return &Group{name: "1-1-fake", m: &Manager{}, dirs: []groupDir{{h: h, path: dir}}}
}

func TestFilesV2(t *testing.T) {
	g := fakeGroup(t, true, map[string]string{
		"memory.max": "", "memory.swap.max": "", "pids.max": "", "cpu.max": "",
		"memory.peak": "33554432\n", "memory.current": "4096\n", "memory.events": "low 0\nhigh 0\nmax 9\noom 2\noom_kill 2\noom_group_kill 0\n",
		"pids.events": "max 5\n", "pids.current": "3\n",
		"cpu.stat": "usage_usec 3500\nuser_usec 1000\nsystem_usec 2500\n",
	})
	if err := g.setLimits(Limits{Memory: 64 << 20, Pids: 16, CPU: 1.5}); err != nil {
		t.Fatal(err)
	}
	d := g.dirs[0].path
	for f, want := range map[string]string{"memory.max": "67108864", "memory.swap.max": "0", "pids.max": "16", "cpu.max": "150000 100000"} {
		if got := readFile(t, d, f); got != want {
			t.Errorf("%s = %q, want %q", f, got, want)
		}
	}
	if !g.SwapBounded() {
		t.Error("memory.swap.max written but SwapBounded false")
	}
	st, err := g.Stats()
	if err != nil {
		t.Fatal(err)
	}
	want := Stats{MemoryPeak: 32 << 20, MemoryNow: 4096, OOMKills: 2, CPUUser: time.Millisecond, CPUSystem: 2500 * time.Microsecond, PidsMaxHits: 5, PidsCurrent: 3}
	if st != want {
		t.Errorf("Stats = %+v, want %+v", st, want)
	}
}

func TestFilesV1(t *testing.T) {
	g := fakeGroup(t, false, map[string]string{
		"memory.limit_in_bytes": "", "memory.memsw.limit_in_bytes": "", "pids.max": "", "cpu.cfs_period_us": "", "cpu.cfs_quota_us": "",
		"memory.max_usage_in_bytes": "1048576\n", "memory.usage_in_bytes": "8192\n", "memory.failcnt": "0\n",
		"memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n",
		"pids.events":        "max 4\n", "pids.current": "2\n",
		"cpuacct.usage_user": "7000000\n", "cpuacct.usage_sys": "3000000\n",
	})
	if err := g.setLimits(Limits{Memory: 32 << 20, Pids: 8, CPU: 0.25}); err != nil {
		t.Fatal(err)
	}
	d := g.dirs[0].path
	for f, want := range map[string]string{"memory.limit_in_bytes": "33554432", "memory.memsw.limit_in_bytes": "33554432",
		"pids.max": "8", "cpu.cfs_period_us": "100000", "cpu.cfs_quota_us": "25000"} {
		if got := readFile(t, d, f); got != want {
			t.Errorf("%s = %q, want %q", f, got, want)
		}
	}
	st, err := g.Stats()
	if err != nil {
		t.Fatal(err)
	}
	want := Stats{MemoryPeak: 1 << 20, MemoryNow: 8192, OOMKills: 1, CPUUser: 7 * time.Millisecond, CPUSystem: 3 * time.Millisecond, PidsMaxHits: 4, PidsCurrent: 2}
	if st != want {
		t.Errorf("Stats = %+v, want %+v", st, want)
	}
}

// Without swap accounting (no memsw file) on a host with swap, the limit
// does not bound swap and the group says so.
func TestFilesV1NoMemsw(t *testing.T) {
	g := fakeGroup(t, false, map[string]string{"memory.limit_in_bytes": "", "memory.swappiness": ""})
	g.m.swapOff = false
	if err := g.setLimits(Limits{Memory: 32 << 20}); err != nil {
		t.Fatal(err)
	}
	if g.SwapBounded() {
		t.Error("SwapBounded without memsw on a host with swap")
	}
	if got := readFile(t, g.dirs[0].path, "memory.swappiness"); strings.TrimSpace(got) != "0" {
		t.Errorf("memory.swappiness = %q, want 0", got)
	}
}

// TestDetectPureV2 runs the detection over a fake pure-v2 host: the
// supervisor in /svc, memory and pids delegated to it, cpu available but
// not delegated, no v1 mount.
func TestDetectPureV2(t *testing.T) {
	root := t.TempDir()
	cur := filepath.Join(root, "svc")
	for _, d := range []string{cur, filepath.Join(cur, "cordon")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for f, s := range map[string]string{
		"svc/cgroup.controllers":            "cpuset cpu io memory pids\n",
		"svc/cgroup.subtree_control":        "memory pids\n",
		"svc/cordon/cgroup.subtree_control": "",
	} {
		if err := os.WriteFile(filepath.Join(root, f), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mi := "30 1 0:26 / " + root + " rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
	m, err := openFrom(Options{Parent: "cordon"}, mi, "0::/svc\n")
	if err != nil {
		t.Fatal(err)
	}
	got := m.Controllers()
	if got[Memory] != V2 || got[Pids] != V2 || len(got) != 2 {
		t.Errorf("Controllers() = %v, want memory and pids on v2", got)
	}
	if err := m.Check(CPU); !errors.Is(err, ErrNotDelegated) {
		t.Errorf("Check(cpu) = %v, want ErrNotDelegated", err)
	}
	if err := m.Check(Freezer); !errors.Is(err, ErrNotAvailable) {
		t.Errorf("Check(freezer) = %v, want ErrNotAvailable", err)
	}
	if _, err := m.Create("x", Limits{CPU: 1}); !errors.Is(err, ErrNotDelegated) {
		t.Errorf("Create with a CPU limit = %v, want ErrNotDelegated", err)
	}
	// The project parent enables the delegated controllers for its
	// children; the supervisor's own group is never written.
	if got := readFile(t, filepath.Join(cur, "cordon"), "cgroup.subtree_control"); got != "+memory +pids" {
		t.Errorf("cordon/cgroup.subtree_control = %q", got)
	}
	if got := readFile(t, cur, "cgroup.subtree_control"); got != "memory pids" {
		t.Errorf("the supervisor's group was written: %q", got)
	}
	if !m.HasV2() {
		t.Error("HasV2 false on a v2 host")
	}
}

// TestDetectHybrid: v1 controllers win, paths follow /proc/self/cgroup and
// the mount's root.
func TestDetectHybrid(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"memory/job/7", "pids", "unified"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "unified", "cgroup.controllers"), []byte("hugetlb\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mi := "35 31 0:32 /job /" + root[1:] + "/memory/job rw - cgroup cgroup rw,memory\n" +
		"39 31 0:36 / " + root + "/pids rw - cgroup cgroup rw,pids\n" +
		"41 31 0:38 / " + root + "/unified rw - cgroup2 cgroup2 rw\n"
	m, err := openFrom(Options{Parent: "cordon"}, mi, "4:memory:/job/7\n8:pids:/\n0::/\n")
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Controllers(); got[Memory] != V1 || got[Pids] != V1 || got[CPU] != 0 {
		t.Errorf("Controllers() = %v", got)
	}
	for _, p := range []string{"memory/job/7/cordon", "pids/cordon", "unified/cordon"} {
		if _, err := os.Stat(filepath.Join(root, p)); err != nil {
			t.Errorf("project parent %s not made: %v", p, err)
		}
	}
}
