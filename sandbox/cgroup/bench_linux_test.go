//go:build linux

package cgroup

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

// BenchmarkPlace measures moving one process into a group in every
// hierarchy the manager uses (on this host: five v1 hierarchies and v2).
// "spaced" waits between moves as real runs do, so every move pays the RCU
// grace period of cgroup_threadgroup_rwsem; "back-to-back" moves within the
// grace window of the previous one.
//
//	go test -run '^$' -bench Place -benchtime 40x ./sandbox/cgroup
func BenchmarkPlace(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root to create cgroups")
	}
	m, err := Open(Options{Parent: testParent})
	if err != nil {
		b.Fatal(err)
	}
	ga, err := m.Create("bench-a", Limits{})
	if err != nil {
		b.Fatal(err)
	}
	defer ga.Destroy()
	gb, err := m.Create("bench-b", Limits{})
	if err != nil {
		b.Fatal(err)
	}
	defer gb.Destroy()
	cmd := exec.Command("/bin/sleep", "600")
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	pid := cmd.Process.Pid
	for _, tc := range []struct {
		name string
		gap  time.Duration
	}{{"spaced", 50 * time.Millisecond}, {"back-to-back", 0}} {
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				if tc.gap > 0 {
					b.StopTimer()
					time.Sleep(tc.gap)
					b.StartTimer()
				}
				g := ga
				if i%2 == 1 {
					g = gb
				}
				if err := g.Place(pid); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCreateDestroy measures making a group with limits in every
// hierarchy and removing it.
func BenchmarkCreateDestroy(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root to create cgroups")
	}
	m, err := Open(Options{Parent: testParent})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		g, err := m.Create("bench-cd", Limits{Memory: 64 << 20, Pids: 64, CPU: 1})
		if err != nil {
			b.Fatal(err)
		}
		if err := g.Destroy(); err != nil {
			b.Fatal(err)
		}
	}
}
