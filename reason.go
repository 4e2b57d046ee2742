package cordon

import (
	"fmt"
	"strings"

	"github.com/cordonsec/cordon/policy"
)

// Reason says in one line why the run ended as it did, naming the limit,
// the refused call or the blocking finding and the policy field that
// decides it; pol is the policy the run had. It is "" for ok and
// exit-nonzero (the script's own outcome) and for internal-error (Error
// says what failed). `cordon run` prints it and the MCP tools return it,
// so every face explains a status in the same words. Parts of it come
// from the script (finding and event messages, file names): a caller
// that shows it on a terminal neutralises control characters first.
func (r *Result) Reason(pol *policy.Policy) string {
	l := pol.Limits
	switch r.Status {
	case StatusTimeout:
		return fmt.Sprintf("timeout after %s (limits.wall_time)", l.WallTime)
	case StatusCPULimit:
		return fmt.Sprintf("cpu-limit: CPU time limit of %s reached (limits.cpu_time)", l.CPUTime)
	case StatusMemoryLimit:
		return fmt.Sprintf("memory-limit: memory limit of %s reached (limits.memory)", l.Memory)
	case StatusPidsLimit:
		return fmt.Sprintf("pids-limit: limit of %d processes and threads reached (limits.processes)", l.Processes)
	case StatusOutputLimit:
		var which []string
		if r.Truncated.Stdout {
			which = append(which, "stdout")
		}
		if r.Truncated.Stderr {
			which = append(which, "stderr")
		}
		if len(which) == 0 {
			which = []string{"output"}
		}
		return fmt.Sprintf("output-limit: %s passed %s and was cut (limits.output)", strings.Join(which, " and "), l.Output)
	case StatusFileSizeLimit:
		return fmt.Sprintf("file-size-limit: a file reached %s (limits.file_size)", l.FileSize)
	case StatusSignaled:
		if r.Signal != "" {
			return fmt.Sprintf("signaled: the script was killed by %s", r.Signal)
		}
		return "signaled: the script was killed by a signal"
	case StatusSecurityViolation:
		for _, e := range r.Events {
			if e.Type == EventSyscallRefused && e.Detail["dangerous"] == true {
				return fmt.Sprintf("security-violation: %s (the seccomp filter refuses it; isolation.refusals.%v decides what a refusal does to the run)", e.Message, e.Detail["class"])
			}
		}
		return "security-violation: a dangerous system call was refused (the seccomp filter refuses it; isolation.refusals decides what a refusal does to the run)"
	case StatusRejected:
		return r.rejectedReason(pol)
	case StatusCanceled:
		return "canceled: the run was interrupted; every process of the script was killed"
	}
	return ""
}

// rejectedReason names the first finding that blocked the run.
func (r *Result) rejectedReason(pol *policy.Policy) string {
	var blocking []Finding
	for _, f := range r.Findings {
		if pol.Analysis.Block != policy.SeverityOff && policy.Severity(f.Severity).Rank() >= pol.Analysis.Block.Rank() {
			blocking = append(blocking, f)
		}
	}
	if len(blocking) == 0 {
		return fmt.Sprintf("rejected: %s", r.Error)
	}
	f := blocking[0]
	s := fmt.Sprintf("rejected: %s %s at %s:%d:%d (block threshold %s, analysis.block)",
		f.Rule, f.Message, f.File, f.Line, f.Column, pol.Analysis.Block)
	switch n := len(blocking) - 1; {
	case n == 1:
		s += "; 1 more blocking finding (-v lists them)"
	case n > 1:
		s += fmt.Sprintf("; %d more blocking findings (-v lists them)", n)
	}
	return s
}
