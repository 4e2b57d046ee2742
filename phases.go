package cordon

import "time"

// Phases is where the time of one run went, in microseconds, in the order
// the supervisor goes through them (Usage.Phases; `cordon run -v`). A phase
// that did not happen for the run is 0: a prepared or pooled sandbox's
// spawn and setup happened before its job arrived and are not the job's.
type Phases struct {
	// PolicyUS: loading and checking the policy file (set by the CLI).
	PolicyUS int64 `json:"policy_us"`
	// AnalysisUS: static analysis of the script and its Python inputs.
	AnalysisUS int64 `json:"analysis_us"`
	// SpawnUS: from the start of the sandbox's preparation (interpreter
	// resolved, cgroup created, binds opened) until the stage-2 init runs.
	SpawnUS int64 `json:"spawn_us"`
	// SetupUS: the init builds the root and prepares the layers
	// (Landlock ruleset, seccomp filter) until it is ready and placed in
	// its cgroup.
	SetupUS int64 `json:"setup_us"`
	// AuditStartUS: opening the audit log and writing the start record.
	AuditStartUS int64 `json:"audit_start_us"`
	// HandoverUS: from hand-over (the task sent) until the interpreter's
	// execve: input files written, cgroup namespace, the fork and the
	// per-process layers (rlimits, capabilities, Landlock, seccomp).
	HandoverUS int64 `json:"handover_us"`
	// ScriptUS: from the interpreter's execve until the init reaped it.
	ScriptUS int64 `json:"script_us"`
	// TeardownUS: from the interpreter's end until the supervisor holds
	// every piece of evidence (the init's report and end, output drained,
	// cgroup stats, output files collected).
	TeardownUS int64 `json:"teardown_us"`
	// AuditEndUS: the end record (and, for the CLI, closing the log with
	// its signed checkpoint).
	AuditEndUS int64 `json:"audit_end_us"`
}

// usSince returns microseconds from t.
func usSince(t time.Time) int64 { return time.Since(t).Microseconds() }

// usBetween returns microseconds between two CLOCK_MONOTONIC readings
// (0 when either is missing).
func usBetween(from, to int64) int64 {
	if from == 0 || to == 0 || to < from {
		return 0
	}
	return (to - from) / 1000
}
