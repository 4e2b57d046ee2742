package sandbox

// The control protocol between the supervisor and the stage-2 init: one
// SOCK_SEQPACKET socket pair, each message a kind byte and a JSON body.
// The init never trusts the interpreter with this socket (it is
// close-on-exec); only the forked child, before execve, uses it once to pass
// the seccomp listener.

import "github.com/cordonsec/cordon/layers"

// Message kinds.
const (
	msgSpec     = 'C' // supervisor → init: the Spec, the first message (not argv: /proc/1/cmdline is readable inside)
	msgReady    = 'R' // init → supervisor: root built, waiting for a task (body: readyMsg; fd: the proxy's listening socket when Spec.ProxyPort is set)
	msgError    = 'E' // init → supervisor: setup failed (body: errorMsg)
	msgTask     = 'T' // supervisor → init: the task (body: Task; fds: the files)
	msgStarted  = 'S' // init → supervisor: the interpreter runs (body: startedMsg; fd: the work dir)
	msgExit     = 'X' // init → supervisor: the interpreter exited (body: exitMsg)
	msgListener = 'L' // child → supervisor: the seccomp listener (fd, no body)
	msgWarmGo   = 'G' // supervisor → init (warm): placed in the cgroup, start the interpreter (no body)
	msgWarm     = 'W' // init → supervisor (warm): the interpreter waits for its job (body: startedMsg)
)

type readyMsg struct {
	LandlockABI int `json:"landlock_abi"`
	// Threads is the init's task count, which shares the run's pids
	// limit with the script.
	Threads int `json:"threads"`
	// InitNS is CLOCK_MONOTONIC when the init began to run (the sandbox
	// has no time namespace: the host's clock), for the phases.
	InitNS int64 `json:"init_ns"`
	// Build identifies the init's build (BuildID), for Spec.Init.
	Build string `json:"build"`
}

type errorMsg struct {
	Step  string      `json:"step"`
	Layer layers.Name `json:"layer,omitempty"`
	Error string      `json:"error"`
}

type startedMsg struct {
	Pid int `json:"pid"` // inside the sandbox's pid namespace
	// ExecNS is CLOCK_MONOTONIC when the interpreter's execve succeeded
	// (its close-on-exec error pipe closed).
	ExecNS int64 `json:"exec_ns"`
	// Base is what a warm interpreter had used when its job was handed
	// over (zero for a cold one), to subtract from the run's usage.
	Base Baseline `json:"base"`
}

// Baseline is a warm interpreter's usage at hand-over: user and system
// CPU (microseconds, from /proc/PID/stat's clock ticks) and resident
// memory (KiB).
type Baseline struct {
	UserUS int64 `json:"user_us"`
	SysUS  int64 `json:"sys_us"`
	RSSKB  int64 `json:"rss_kb"`
}

type exitMsg struct {
	// WaitStatus is the interpreter's raw wait status.
	WaitStatus uint32 `json:"wait_status"`
	// Rusage of the init's reaped children (the interpreter and every
	// orphan it left), microseconds and KiB as getrusage gives them.
	UserUS   int64 `json:"user_us"`
	SysUS    int64 `json:"sys_us"`
	MaxRSSKB int64 `json:"max_rss_kb"`
	// ExitNS is CLOCK_MONOTONIC when the init reaped the interpreter.
	ExitNS int64 `json:"exit_ns"`
}
