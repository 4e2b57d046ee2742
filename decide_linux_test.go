//go:build linux

package cordon

import (
	"strings"
	"syscall"
	"testing"

	"github.com/cordonsec/cordon/policy"
	"github.com/cordonsec/cordon/sandbox"
	"github.com/cordonsec/cordon/sandbox/cgroup"
	"golang.org/x/sys/unix"
)

// TestDecideInitDeath: an init that dies without reporting is told as what
// caused it — the cgroup's evidence when there is some, else an
// internal-error naming how it ended and its crash line — never silently.
func TestDecideInitDeath(t *testing.T) {
	pol := policy.Default()
	crash := sandbox.Exit{InitEnd: "exit status 2",
		InitLog: "fatal error: runtime: cannot allocate memory\n\ngoroutine 1 [running]:\n"}
	tests := []struct {
		name string
		st   cgroup.Stats
		want Status
	}{
		{"no evidence", cgroup.Stats{}, StatusInternalError},
		{"oom", cgroup.Stats{OOMKills: 1}, StatusMemoryLimit},
		{"pids", cgroup.Stats{PidsMaxHits: 3}, StatusPidsLimit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var res Result
			decide(&res, pol, sandbox.Evidence{Exit: crash, Cgroup: tt.st}, 0)
			if res.Status != tt.want {
				t.Errorf("status %s, want %s", res.Status, tt.want)
			}
			var told bool
			for _, e := range res.Events {
				told = told || e.Type == "init-died" && strings.Contains(e.Message, "cannot allocate memory")
			}
			if !told {
				t.Errorf("no init-died event naming the crash: %+v", res.Events)
			}
			if tt.want == StatusInternalError && !strings.Contains(res.Error, "(exit status 2): fatal error: runtime: cannot allocate memory") {
				t.Errorf("error %q does not say how the init died", res.Error)
			}
		})
	}
}

// TestDecideSignals: a limit status needs the kernel's evidence.
func TestDecideSignals(t *testing.T) {
	pol := policy.Default() // cpu_time 10s
	sig := func(s syscall.Signal) unix.WaitStatus { return unix.WaitStatus(s) }
	tests := []struct {
		name  string
		ws    unix.WaitStatus
		cpuMS int64
		want  Status
	}{
		{"SIGXCPU early", sig(syscall.SIGXCPU), 40, StatusSignaled},
		{"SIGXCPU at the limit", sig(syscall.SIGXCPU), 9700, StatusCPULimit},
		{"SIGKILL early", sig(syscall.SIGKILL), 40, StatusSignaled},
		{"SIGKILL past the limit", sig(syscall.SIGKILL), 11000, StatusCPULimit},
		{"SIGXFSZ", sig(syscall.SIGXFSZ), 0, StatusFileSizeLimit},
		{"exit 1", unix.WaitStatus(1 << 8), 0, StatusExitNonzero},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Result{Usage: Usage{CPUUserMS: tt.cpuMS}}
			decide(&res, pol, sandbox.Evidence{Exit: sandbox.Exit{Reported: true, WaitStatus: tt.ws}}, 0)
			if res.Status != tt.want {
				t.Errorf("status %s, want %s", res.Status, tt.want)
			}
		})
	}
}

// TestDecideAlsoReached: a limit the cgroup saw reached is an event even
// when something else decided the status (a fork bomb held at its process
// limit until the wall clock ended it), and only once when it decided it.
func TestDecideAlsoReached(t *testing.T) {
	pol := policy.Default()
	tests := []struct {
		name   string
		killed sandbox.Killed
		st     cgroup.Stats
		want   Status
		events map[EventType]int
	}{
		{"pids then wall clock", sandbox.KilledWall, cgroup.Stats{PidsMaxHits: 40}, StatusTimeout,
			map[EventType]int{EventTimeout: 1, EventPidsLimit: 1}},
		{"oom then wall clock", sandbox.KilledWall, cgroup.Stats{OOMKills: 1}, StatusTimeout,
			map[EventType]int{EventTimeout: 1, EventMemoryLimit: 1}},
		{"pids alone", sandbox.NotKilled, cgroup.Stats{PidsMaxHits: 3}, StatusPidsLimit,
			map[EventType]int{EventPidsLimit: 1}},
		{"oom and pids", sandbox.NotKilled, cgroup.Stats{OOMKills: 1, PidsMaxHits: 3}, StatusMemoryLimit,
			map[EventType]int{EventMemoryLimit: 1, EventPidsLimit: 1}},
		{"nothing", sandbox.KilledWall, cgroup.Stats{}, StatusTimeout,
			map[EventType]int{EventTimeout: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var res Result
			ev := sandbox.Evidence{Exit: sandbox.Exit{Reported: true, WaitStatus: unix.WaitStatus(syscall.SIGKILL)}, Cgroup: tt.st, Killed: tt.killed}
			decide(&res, pol, ev, 0)
			if res.Status != tt.want {
				t.Errorf("status %s, want %s", res.Status, tt.want)
			}
			got := map[EventType]int{}
			for _, e := range res.Events {
				got[e.Type]++
			}
			for typ, n := range tt.events {
				if got[typ] != n {
					t.Errorf("%d %s events, want %d: %+v", got[typ], typ, n, res.Events)
				}
			}
			if len(res.Events) != len(tt.events) {
				t.Errorf("events %+v, want only %v", res.Events, tt.events)
			}
		})
	}
}
