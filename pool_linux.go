//go:build linux

package cordon

import (
	"strings"

	"github.com/cordonsec/cordon/interp"
	"github.com/cordonsec/cordon/policy"
	"github.com/cordonsec/cordon/sandbox"
	"github.com/cordonsec/cordon/sandbox/cgroup"
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

// cgroupBaseline reads the run's cgroup before a warm hand-over (zero
// for a cold sandbox or without cgroups).
func (p *Prepared) cgroupBaseline() cgroup.Stats {
	if !p.sb.Warm() || p.group == nil {
		return cgroup.Stats{}
	}
	st, _ := p.group.Stats()
	return st
}

// subtractBaseline takes what a warm interpreter had used before its job
// arrived out of the run's usage: the cgroup's CPU and memory at
// hand-over, or without cgroups the interpreter's own (CPU in 10 ms clock
// ticks, resident memory).
func subtractBaseline(u *Usage, b sandbox.Baseline, cg cgroup.Stats, cgroupActive bool) {
	sub := func(v *int64, by int64) { *v = max(*v-by, 0) }
	if cgroupActive {
		sub(&u.CPUUserMS, cg.CPUUser.Milliseconds())
		sub(&u.CPUSysMS, cg.CPUSystem.Milliseconds())
		sub(&u.PeakMemoryBytes, int64(cg.MemoryNow))
		return
	}
	sub(&u.CPUUserMS, b.UserUS/1000)
	sub(&u.CPUSysMS, b.SysUS/1000)
	sub(&u.PeakMemoryBytes, b.RSSKB*1024)
}

// pooledMemory is what a ready warm sandbox holds: its cgroup's usage, or
// without cgroups its interpreter's resident memory.
func (p *Prepared) pooledMemory() int64 {
	if p.group != nil {
		if st, err := p.group.Stats(); err == nil && st.MemoryNow > 0 {
			return int64(st.MemoryNow)
		}
	}
	return p.sb.SampleTree().RSSBytes
}
