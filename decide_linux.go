//go:build linux

package cordon

// The status of a run, decided from the sandbox's evidence, most specific
// first.

import (
	"fmt"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/cordonsec/cordon/policy"
	"github.com/cordonsec/cordon/sandbox"
)

// cpuLimitSignal reports whether a death by sig is RLIMIT_CPU's, given
// the CPU time measured (cpuMS) and the limit: SIGKILL (the hard limit,
// one second above the soft one) with the CPU time at the limit, or
// SIGXCPU (the soft limit) — which the seccomp filter keeps the script
// from sending — with at least half the limit measured (the kernel counts
// RLIMIT_CPU in scheduler ticks, which on a loaded host overcount: 2 s of
// ticks measured 1.65 s of run time in rusage).
func cpuLimitSignal(sig syscall.Signal, cpuMS, limitMS int64) bool {
	switch sig {
	case syscall.SIGXCPU:
		return cpuMS*2 >= limitMS
	case syscall.SIGKILL:
		return cpuMS >= limitMS
	}
	return false
}

// decide sets the status from the evidence, most specific first. Only
// evidence the script cannot forge decides a limit status: the
// supervisor's own kills, cgroup counters, CPU time measured by the kernel,
// and a SIGXFSZ death (which only the kernel's file-size refusal can
// cause). dangerous counts the refused calls whose class makes the run a
// security violation (policy.Refusals).
func decide(res *Result, pol *policy.Policy, ev sandbox.Evidence, dangerous int) {
	ex, st, tr, reason := ev.Exit, ev.Cgroup, ev.Tree, ev.Killed
	ws := ex.WaitStatus
	res.ExitCode = -1
	if ex.Reported {
		if ws.Exited() {
			res.ExitCode = ws.ExitStatus()
		} else if ws.Signaled() {
			res.Signal = unix.SignalName(ws.Signal())
		}
	}
	limitEvent := func(t EventType, msg string) {
		res.Events = append(res.Events, Event{Type: t, TimeMS: res.Usage.WallMS, Message: msg})
	}
	cpuMS := res.Usage.CPUUserMS + res.Usage.CPUSysMS
	if !ex.Reported && reason == sandbox.NotKilled {
		// Never silent: whatever the status, the init's death is told.
		limitEvent(EventInitDied, initDeath(ex))
	}
	switch {
	case reason == sandbox.KilledRefusal:
		res.Status = StatusSecurityViolation
		limitEvent(EventSecurityViolation, "a refused system call whose class the policy ends the run for (isolation.refusals); every process killed")
	case reason == sandbox.KilledWall:
		res.Status = StatusTimeout
		limitEvent(EventTimeout, fmt.Sprintf("wall clock of %s reached; every process killed", pol.Limits.WallTime))
	case reason == sandbox.KilledOutput:
		res.Status = StatusOutputLimit
		limitEvent(EventOutputLimit, fmt.Sprintf("output beyond %s; every process killed", pol.Limits.Output))
	case reason == sandbox.KilledCPU:
		res.Status = StatusCPULimit
		limitEvent(EventCPULimit, fmt.Sprintf("CPU time limit %s reached by the process tree; every process killed", pol.Limits.CPUTime))
	case reason == sandbox.KilledCanceled && !ex.Reported:
		// Canceled while the script ran. Had the interpreter already
		// ended, its evidence decides below.
		res.Status = StatusCanceled
		res.Error = "run canceled"
	case !ex.Reported && st.OOMKills == 0 && st.PidsMaxHits == 0:
		res.Status = StatusInternalError
		res.Error = initDeath(ex)
	case st.OOMKills > 0:
		res.Status = StatusMemoryLimit
		limitEvent(EventMemoryLimit, fmt.Sprintf("memory limit %s reached (%d OOM kills)", pol.Limits.Memory, st.OOMKills))
	case dangerous > 0:
		res.Status = StatusSecurityViolation
	case st.PidsMaxHits > 0:
		res.Status = StatusPidsLimit
		limitEvent(EventPidsLimit, fmt.Sprintf("process limit %d reached (%d forks refused)", pol.Limits.Processes, st.PidsMaxHits))
	case tr.MaxTasks >= pol.Limits.Processes && (ws.Signaled() || ws.ExitStatus() != 0):
		// Degraded: RLIMIT_NPROC refuses forks silently; the sampled
		// tree at the limit and a failed run are the evidence.
		res.Status = StatusPidsLimit
		limitEvent(EventPidsLimit, fmt.Sprintf("process limit %d reached (%d tasks seen; RLIMIT_NPROC refuses more)", pol.Limits.Processes, tr.MaxTasks))
	case ws.Signaled() && cpuLimitSignal(ws.Signal(), cpuMS, pol.Limits.CPUTime.D().Milliseconds()):
		res.Status = StatusCPULimit
		limitEvent(EventCPULimit, fmt.Sprintf("CPU time limit %s reached (%d ms used)", pol.Limits.CPUTime, cpuMS))
	case ws.Signaled() && ws.Signal() == syscall.SIGXFSZ:
		// Only the kernel can send SIGXFSZ and the script cannot ignore
		// it (the seccomp filter), so this is RLIMIT_FSIZE's refusal.
		res.Status = StatusFileSizeLimit
		limitEvent(EventFileSizeLimit, fmt.Sprintf("file size limit %s reached", pol.Limits.FileSize))
	case ws.Signaled():
		res.Status = StatusSignaled
	case ws.ExitStatus() != 0:
		res.Status = StatusExitNonzero
	default:
		res.Status = StatusOK
	}
	// A limit that was also reached is told even when something else
	// decided the status: a fork bomb held at its process limit that then
	// runs into the wall clock is a timeout whose events say the process
	// limit refused its forks.
	if st.PidsMaxHits > 0 && res.Status != StatusPidsLimit {
		limitEvent(EventPidsLimit, fmt.Sprintf("process limit %d reached (%d forks refused); the run ended as %s", pol.Limits.Processes, st.PidsMaxHits, res.Status))
	}
	if st.OOMKills > 0 && res.Status != StatusMemoryLimit {
		limitEvent(EventMemoryLimit, fmt.Sprintf("memory limit %s reached (%d OOM kills); the run ended as %s", pol.Limits.Memory, st.OOMKills, res.Status))
	}
}

// initDeath says how the sandbox's init died without reporting the
// interpreter's exit: how it ended and the first line of what it wrote (a
// Go runtime crash names its cause there).
func initDeath(ex sandbox.Exit) string {
	msg := "the sandbox's init ended without reporting the interpreter's exit"
	if ex.InitEnd != "" {
		msg += " (" + ex.InitEnd + ")"
	}
	if first, _, _ := strings.Cut(strings.TrimSpace(ex.InitLog), "\n"); first != "" {
		msg += ": " + first
	}
	return msg
}
