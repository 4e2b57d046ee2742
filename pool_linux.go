//go:build linux

package cordon

import (
	"strings"

	"github.com/cordonsec/cordon/interp"
	"github.com/cordonsec/cordon/policy"
	"github.com/cordonsec/cordon/sandbox"
)

// spec is the sandbox's warm start for pol: the interpreter with the
// policy's arguments, and the environment a job without its own values
// would get (the job's replaces it in os.environ at hand-over).
func (w *warmStart) spec(rt *interp.Runtime, pol *policy.Policy) (*sandbox.Warm, error) {
	env, err := buildEnv(&Job{}, pol)
	if err != nil {
		return nil, err
	}
	return &sandbox.Warm{Argv: append([]string{rt.Exec}, pol.Runtime.Args...), Env: env, Preload: w.preload}, nil
}

// warmFits reports whether job can run in a warm sandbox of pol: the
// variables that shape the interpreter's start (its locale, and PYTHON*
// when the policy's arguments do not make it ignore them) must be what
// the waiting interpreter started with.
func warmFits(job *Job, pol *policy.Policy) bool {
	if len(job.Env) == 0 {
		return true
	}
	base, err := buildEnv(&Job{}, pol)
	if err != nil {
		return false
	}
	with, err := buildEnv(job, pol)
	if err != nil {
		// Refused input: the cold path reports it.
		return false
	}
	return startupVars(base) == startupVars(with)
}

func startupVars(env []string) string {
	var b strings.Builder
	for _, kv := range env {
		if strings.HasPrefix(kv, "LANG=") || strings.HasPrefix(kv, "LC_") || strings.HasPrefix(kv, "PYTHON") {
			b.WriteString(kv)
			b.WriteByte(0)
		}
	}
	return b.String()
}

// pooledMemory is what a ready warm sandbox holds: its cgroup's usage, or
// without cgroups its interpreter's resident memory.
func (p *Prepared) pooledMemory() int64 { return p.sb.Memory() }
