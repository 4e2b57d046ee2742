package cli

// Messages to the user, modelled on age's tui.go: every line Cordon prints
// to stderr about its own state goes through errorf, warningf, hintf or
// infof, so the format is one thing to change:
//
//	cordon: error: policy ci.yaml:3:5: limits.memory: ...
//	cordon: hint: sizes take a unit, e.g. 256MiB
//
// Lower-case, no final period.

import (
	"errors"
	"fmt"
)

func errorf(env *Env, format string, args ...any) {
	fmt.Fprintf(env.Stderr, "cordon: error: "+format+"\n", args...)
}

func warningf(env *Env, format string, args ...any) {
	fmt.Fprintf(env.Stderr, "cordon: warning: "+format+"\n", args...)
}

func hintf(env *Env, format string, args ...any) {
	fmt.Fprintf(env.Stderr, "cordon: hint: "+format+"\n", args...)
}

func infof(env *Env, format string, args ...any) {
	fmt.Fprintf(env.Stderr, "cordon: "+format+"\n", args...)
}

// hinted is an error that carries hints naming the fix; Main prints them
// after the error.
type hinted struct {
	err   error
	hints []string
}

func (h *hinted) Error() string { return h.err.Error() }
func (h *hinted) Unwrap() error { return h.err }

// withHint attaches a hint to err.
func withHint(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return &hinted{err: err, hints: []string{fmt.Sprintf(format, args...)}}
}

func hintsOf(err error) []string {
	var h *hinted
	if errors.As(err, &h) {
		return h.hints
	}
	return nil
}
