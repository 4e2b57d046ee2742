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
