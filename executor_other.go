//go:build !linux

package cordon

import (
	"context"
	"errors"

	"github.com/cordonsec/cordon/policy"
)

// Prepared is a sandbox built before its job; Linux only.
type Prepared struct{ pol *policy.Policy }

type cgroupManager = struct{}

type input struct{}

func loadInput(context.Context, *Job, *policy.Policy) (*input, error) {
	return nil, errors.ErrUnsupported
}

func (e *Executor) prepare(context.Context, *policy.Policy, *warmStart) (*Prepared, Result, error) {
	return nil, Result{Status: StatusInternalError, Error: "sandbox: " + errors.ErrUnsupported.Error()}, errors.ErrUnsupported
}

type analysisOutcome struct{}

func (e *Executor) analyze(context.Context, *Job, *input, *policy.Policy) (*analysisOutcome, Result, bool, error) {
	return nil, Result{}, false, errors.ErrUnsupported
}

func (in *input) close() {}

func (p *Prepared) run(context.Context, *Job, *input, *analysisOutcome) (Result, error) {
	return Result{}, errors.ErrUnsupported
}

// Close releases a prepared sandbox.
func (p *Prepared) Close() error { return nil }

func (p *Prepared) pooledMemory() int64 { return 0 }

func warmFits(*Job, *policy.Policy) bool { return false }
