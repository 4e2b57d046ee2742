//go:build !linux

package seccomp

import (
	"context"
	"errors"
)

// Options shape the filter.
type Options struct{ Report bool }

// Filter is unavailable on this system.
type Filter struct{}

// Refusal is one refused syscall.
type Refusal struct {
	Pid       int
	Nr        int
	Name      string
	Reason    string
	Dangerous bool
	Class     string
}

// Build fails: seccomp is Linux only.
func Build(Options) (*Filter, error) { return nil, errors.ErrUnsupported }

// Apply fails: seccomp is Linux only.
func (*Filter) Apply() (int, error) { return -1, errors.ErrUnsupported }

// Serve fails: seccomp is Linux only.
func Serve(context.Context, int, func(Refusal)) error { return errors.ErrUnsupported }

// SendListener fails: seccomp is Linux only.
func SendListener(int, int) error { return errors.ErrUnsupported }

// RecvListener fails: seccomp is Linux only.
func RecvListener(int) (int, error) { return -1, errors.ErrUnsupported }
