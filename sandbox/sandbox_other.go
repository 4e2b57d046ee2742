//go:build !linux

package sandbox

import (
	"context"
	"os"

	"github.com/cordonsec/cordon/layers"
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
