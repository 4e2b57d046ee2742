package cgroup

import (
	"errors"
	"fmt"
)

// Sentinel errors callers branch on; each arrives wrapped in an *Error.
var (
	// ErrPermission: the caller may not create or write groups here
	// (typically an unprivileged user without a delegated subtree).
	ErrPermission = errors.New("no permission to manage cgroups")
	// ErrNotAvailable: a limit asks for a controller no hierarchy offers.
	ErrNotAvailable = errors.New("cgroup controller not available")
	// ErrNotDelegated: a v2 controller exists but is not enabled in the
	// supervisor's group's cgroup.subtree_control.
	ErrNotDelegated = errors.New("cgroup v2 controller not delegated to the supervisor's group")
	// ErrNoV2: the operation needs a cgroup v2 directory (FD for clone3
	// CLONE_INTO_CGROUP) and the group has none.
	ErrNoV2 = errors.New("no cgroup v2 hierarchy")
	// ErrUnsupported is returned on systems other than Linux.
	ErrUnsupported = errors.ErrUnsupported
)

// Error says which operation on which controller and path failed.
type Error struct {
	Op         string // "open", "create", "limit", "place", "kill", "destroy", "stats", "clean"
	Controller string // "" when not controller specific
	Path       string
	Err        error
}

func (e *Error) Error() string {
	s := "cgroup " + e.Op
	if e.Controller != "" {
		s += " " + e.Controller
	}
	if e.Path != "" {
		s += " " + e.Path
	}
	return fmt.Sprintf("%s: %v", s, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }
