//go:build linux

package cordon

import "github.com/cordonsec/cordon/sandbox"

// sandboxPhases fills the phases the sandbox's clock readings give: spawn
// and setup for a sandbox built for this job (cold), hand-over, script,
// and teardown up to now.
func (p *Prepared) sandboxPhases(ph *Phases) {
	t := p.sb.Times()
	if p.cold {
		ph.SpawnUS = usBetween(p.prepNS, t.Init)
		ph.SetupUS = usBetween(t.Init, t.Ready)
	}
	ph.HandoverUS = usBetween(t.Handover, t.Exec)
	ph.ScriptUS = usBetween(t.Exec, t.Exit)
	ph.TeardownUS = usBetween(t.Exit, sandbox.Monotonic())
}
