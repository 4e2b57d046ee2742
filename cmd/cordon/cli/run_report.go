package cli

// What `cordon run` says about a run on stderr: one line for every status
// but ok and exit-nonzero, naming the limit or finding and the policy
// field that controls it; with -v a summary, the findings and the events.

import (
	"fmt"
	"strings"

	"github.com/cordonsec/cordon"
	"github.com/cordonsec/cordon/policy"
)

// statusLine is the one line (without "cordon: ") that says why a run
// ended as it did — the library's Result.Reason, shown safely on a
// terminal — or "" for ok, exit-nonzero and internal-error.
func statusLine(r *cordon.Result, pol *policy.Policy) string {
	return showable(r.Reason(pol))
}

// runSummary prints a few lines about the run, its findings and events.
func runSummary(env *Env, r *cordon.Result) {
	line := fmt.Sprintf("run %s: %s", r.ID, r.Status)
	if r.Signal != "" {
		line += fmt.Sprintf(" (signal %s)", r.Signal)
	} else if r.ExitCode > 0 {
		line += fmt.Sprintf(" (exit %d)", r.ExitCode)
	}
	infof(env, "%s, wall %d ms, cpu %d+%d ms, peak memory %s", line,
		r.Usage.WallMS, r.Usage.CPUUserMS, r.Usage.CPUSysMS, policy.FormatSize(r.Usage.PeakMemoryBytes))
	ph := r.Usage.Phases
	infof(env, "phases (µs): policy %d, analysis %d, spawn %d, setup %d, audit start %d, hand-over %d, script %d, teardown %d, audit end %d",
		ph.PolicyUS, ph.AnalysisUS, ph.SpawnUS, ph.SetupUS, ph.AuditStartUS, ph.HandoverUS, ph.ScriptUS, ph.TeardownUS, ph.AuditEndUS)
	var on, deg []string
	for _, l := range policy.Layers {
		switch r.Layers[l] {
		case cordon.LayerActive:
			on = append(on, string(l))
		case cordon.LayerDegraded:
			deg = append(deg, string(l))
		}
	}
	infof(env, "layers active: %s", strings.Join(on, " "))
	if len(deg) > 0 {
		infof(env, "layers degraded: %s", strings.Join(deg, " "))
	}
	for _, f := range r.Findings {
		infof(env, "finding %s (%s) at %s:%d:%d: %s", f.Rule, f.Severity, showable(f.File), f.Line, f.Column, showable(f.Message))
	}
	for _, e := range r.Events {
		infof(env, "event %s: %s", e.Type, showable(e.Message))
	}
	if r.Truncated.Stdout || r.Truncated.Stderr {
		infof(env, "output truncated (stdout %v, stderr %v)", r.Truncated.Stdout, r.Truncated.Stderr)
	}
}

// outputsSummary says how many files were collected into dir, each refused
// one as a warning, and with -v each copied one with its SHA-256.
func outputsSummary(env *Env, r *cordon.Result, dir string, verbose bool) {
	var copied int
	var size int64
	for _, f := range r.Outputs {
		if f.Refused == "" {
			copied++
			size += f.Size
		}
	}
	if r.Outputs != nil {
		infof(env, "outputs: %s (%s) copied to %s", plural(copied, "file"), sizeText(size), dir)
	}
	for _, f := range r.Outputs {
		switch {
		case f.Refused != "":
			warningf(env, "output %s refused: %s", showable(f.Path), f.Refused)
		case verbose:
			infof(env, "output %s %s sha256:%s", showable(f.Path), sizeText(f.Size), f.SHA256)
		}
	}
	if r.OutputsOmitted > 0 {
		warningf(env, "%s more refused (not listed)", plural(r.OutputsOmitted, "output file"))
	}
}

// sizeText is a byte count for people: "4 bytes", "1MiB".
func sizeText(n int64) string {
	if n < 1024 {
		return plural(int(n), "byte")
	}
	return policy.FormatSize(n)
}
