//go:build linux

package sandbox

import (
	"golang.org/x/sys/unix"

	"github.com/cordonsec/cordon/sandbox/seccomp"
)

// seccompFilter is the program the forked child installs right before
// execve. The filter itself (what is allowed, what is refused and how) is
// package seccomp's; this package only decides where it is installed.
type seccompFilter struct {
	f      *seccomp.Filter // keeps Program's instructions reachable
	prog   *unix.SockFprog
	flags  uintptr
	report bool
}

// buildSeccomp builds the filter, with the optional syscall groups allow
// turns on, and refusals notified to a listener the child passes to the
// supervisor.
func buildSeccomp(allow []string) (*seccompFilter, error) {
	f, err := seccomp.Build(seccomp.Options{Report: true, Allow: allow})
	if err != nil {
		return nil, err
	}
	return &seccompFilter{f: f, prog: &f.Program, flags: f.Flags, report: f.Reports()}, nil
}
