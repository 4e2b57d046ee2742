//go:build linux

package sandbox

import "golang.org/x/sys/unix"

// Times are the moments of one sandbox's life on CLOCK_MONOTONIC, in
// nanoseconds (zero: not reached). The sandbox has no time namespace, so
// the init's readings and the supervisor's are on one clock. They give a
// run's phases (cordon.Phases).
type Times struct {
	// Start: Start was called (the supervisor begins to spawn).
	Start int64
	// Init: the stage-2 init began to run (its package init, before the
	// Go main of the binary).
	Init int64
	// Ready: the supervisor got the init's ready message and the init
	// was placed in its cgroup (Start returns).
	Ready int64
	// Handover: Run was called with the task.
	Handover int64
	// Exec: the interpreter's execve succeeded.
	Exec int64
	// Exit: the init reaped the interpreter.
	Exit int64
}

// Monotonic reads CLOCK_MONOTONIC in nanoseconds.
func Monotonic() int64 {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return ts.Nano()
}

// Times returns the moments reached so far.
func (s *Sandbox) Times() Times {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.times
}

func (s *Sandbox) mark(f func(t *Times)) {
	s.mu.Lock()
	f(&s.times)
	s.mu.Unlock()
}

// initPath is what is executed as the stage-2 init.
func initPath(init string) string {
	if init != "" {
		return init
	}
	return "/proc/self/exe"
}
