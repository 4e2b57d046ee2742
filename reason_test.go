package cordon

import (
	"testing"

	"github.com/cordonsec/cordon/policy"
)

// TestReason: every status the script does not decide itself is explained
// with the policy field that decides it; ok, exit-nonzero and
// internal-error are left to the caller.
func TestReason(t *testing.T) {
	pol := policy.Default()
	pol.Analysis.Block = policy.SeverityHigh
	tests := []struct {
		res  Result
		want string
	}{
		{Result{Status: StatusOK}, ""},
		{Result{Status: StatusExitNonzero, ExitCode: 3}, ""},
		{Result{Status: StatusInternalError, Error: "x"}, ""},
		{Result{Status: StatusTimeout}, "timeout after " + pol.Limits.WallTime.String() + " (limits.wall_time)"},
		{Result{Status: StatusOutputLimit, Truncated: Truncated{Stderr: true}}, "output-limit: stderr passed " + pol.Limits.Output.String() + " and was cut (limits.output)"},
		{Result{Status: StatusSignaled, Signal: "SIGSEGV"}, "signaled: the script was killed by SIGSEGV"},
		{Result{Status: StatusSecurityViolation, Events: []Event{{Type: EventSyscallRefused, Message: "ptrace refused",
			Detail: map[string]any{"dangerous": true, "class": "debug"}}}},
			"security-violation: ptrace refused (the seccomp filter refuses it; isolation.refusals.debug decides what a refusal does to the run)"},
		{Result{Status: StatusRejected, Findings: []Finding{
			{Rule: "CDN001", Severity: "high", Message: "eval", File: "a.py", Line: 3, Column: 1},
			{Rule: "CDN002", Severity: "low", Message: "meh", File: "a.py", Line: 4, Column: 1},
			{Rule: "CDN003", Severity: "high", Message: "exec", File: "a.py", Line: 5, Column: 1}}},
			"rejected: CDN001 eval at a.py:3:1 (block threshold high, analysis.block); 1 more blocking finding (-v lists them)"},
		{Result{Status: StatusCanceled}, "canceled: the run was interrupted; every process of the script was killed"},
	}
	for _, tt := range tests {
		t.Run(string(tt.res.Status), func(t *testing.T) {
			if got := tt.res.Reason(pol); got != tt.want {
				t.Errorf("Reason() = %q, want %q", got, tt.want)
			}
		})
	}
}
