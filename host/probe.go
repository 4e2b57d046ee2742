package host

import (
	"context"

	"github.com/cordonsec/cordon/interp"
)

// Options tune Probe.
type Options struct {
	// Interpreter is resolved with interp.Resolve; "" means "python3".
	Interpreter string
}

// Probe gathers what this host can enforce for the calling user, resolving
// the default interpreter "python3". It creates (and removes) one probe
// cgroup per controller under the process's own groups and starts
// /bin/true once per namespace type; it changes nothing else.
func Probe(ctx context.Context) (*Report, error) {
	return ProbeWith(ctx, Options{})
}

// ProbeWith is Probe with options.
func ProbeWith(ctx context.Context, o Options) (*Report, error) {
	r, err := probeKernel(ctx)
	if err != nil {
		return r, err
	}
	name := o.Interpreter
	if name == "" {
		name = "python3"
	}
	r.Interpreter = Interpreter{Name: name}
	if rt, err := interp.ResolveContext(ctx, name); err != nil {
		r.Interpreter.Error = err.Error()
	} else {
		r.Interpreter.Path, r.Interpreter.Prefix, r.Interpreter.Version = rt.Path, rt.Prefix, rt.Version
	}
	return r, nil
}
