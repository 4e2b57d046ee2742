//go:build !linux

package sandbox

import (
	"context"
	"os"

	"github.com/cordonsec/cordon/layers"
	"github.com/cordonsec/cordon/sandbox/cgroup"
)

// Sandbox is one stage-2 init; Linux only.
type Sandbox struct{}

// Exit is what the init reported about the interpreter.
type Exit struct{ Reported bool }

// SetupError is a failed sandbox step.
type SetupError struct {
	Step  string
	Layer layers.Name
	Err   string
}

func (e *SetupError) Error() string { return e.Err }
func (e *SetupError) Unwrap() error { return ErrSetup }

// Start returns ErrUnsupported on systems other than Linux.
func Start(context.Context, Spec) (*Sandbox, error) { return nil, ErrUnsupported }

// LandlockABI is 0 on systems other than Linux.
func LandlockABI() int { return 0 }

func (*Sandbox) Run(Task, []*os.File) error { return ErrUnsupported }
func (*Sandbox) Wait() Exit                 { return Exit{} }
func (*Sandbox) Kill() error                { return ErrUnsupported }
func (*Sandbox) Close()                     {}

// ProbeHost returns ErrUnsupported on systems other than Linux.
func ProbeHost(context.Context, cgroup.Options) (*Host, error) { return &Host{}, ErrUnsupported }

// ProbeSeccomp reports no seccomp on systems other than Linux.
func ProbeSeccomp() Seccomp { return Seccomp{Error: ErrUnsupported.Error()} }

// ProbeLandlock reports no Landlock on systems other than Linux.
func ProbeLandlock() Landlock { return Landlock{Error: ErrUnsupported.Error()} }

// ProbeNoNewPrivs reports no no_new_privs on systems other than Linux.
func ProbeNoNewPrivs() Feature { return Feature{Error: ErrUnsupported.Error()} }
