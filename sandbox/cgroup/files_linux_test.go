//go:build linux

package cgroup

import (
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
		"memory.peak": "33554432\n", "memory.events": "low 0\nhigh 0\nmax 9\noom 2\noom_kill 2\noom_group_kill 0\n",
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
	want := Stats{MemoryPeak: 32 << 20, OOMKills: 2, CPUUser: time.Millisecond, CPUSystem: 2500 * time.Microsecond, PidsMaxHits: 5, PidsCurrent: 3}
	if st != want {
		t.Errorf("Stats = %+v, want %+v", st, want)
	}
}

func TestFilesV1(t *testing.T) {
	g := fakeGroup(t, false, map[string]string{
		"memory.limit_in_bytes": "", "memory.memsw.limit_in_bytes": "", "pids.max": "", "cpu.cfs_period_us": "", "cpu.cfs_quota_us": "",
		"memory.max_usage_in_bytes": "1048576\n", "memory.failcnt": "0\n",
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
	want := Stats{MemoryPeak: 1 << 20, OOMKills: 1, CPUUser: 7 * time.Millisecond, CPUSystem: 3 * time.Millisecond, PidsMaxHits: 4, PidsCurrent: 2}
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
