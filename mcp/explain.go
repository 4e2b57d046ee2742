package mcp

// Words for agents: the tool descriptions, the server's instructions,
// explain_policy's text and the one-line message of a run's status, all
// written from the policy in force so an agent can plan without wasting
// turns on what the sandbox refuses.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cordonsec/cordon"
	"github.com/cordonsec/cordon/policy"
	"github.com/cordonsec/cordon/server"
)

func offerNames(t *server.Tenant) []string {
	var names []string
	for n := range t.Offers {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func instructions(t *server.Tenant) string {
	return "Cordon runs Python scripts in a kernel-enforced sandbox with static analysis first and an audit log. " +
		"Use check_python to see whether a script would be refused, run_python to run it, and explain_policy to learn " +
		"what a run may do before planning file, network or long-running work. " + short(t.Ceiling)
}

// short is the policy in two sentences, for tool descriptions.
func short(p *policy.Policy) string {
	l := p.Limits
	var b strings.Builder
	fmt.Fprintf(&b, "Each run gets a fresh sandbox: /work (the script, its input files and what it writes) and /tmp (%s) are the only writable places; ",
		policy.FormatSize(int64(l.Tmp)))
	fmt.Fprintf(&b, "limits: %s wall clock, %s CPU, %s memory, %d processes/threads, %s per file, %s of stdout and of stderr kept. ",
		l.WallTime, l.CPUTime, policy.FormatSize(int64(l.Memory)), l.Processes, policy.FormatSize(int64(l.FileSize)), policy.FormatSize(int64(l.Output)))
	b.WriteString(networkWords(p))
	b.WriteString(" No packages can be installed (no pip); only the standard library and what the interpreter already has.")
	return b.String()
}

func networkWords(p *policy.Policy) string {
	switch p.Network.Mode {
	case policy.NetworkAllowlist:
		if len(p.Network.Domains) == 0 && len(p.Network.CIDRs) == 0 {
			return "Network: none allowed (the allow-list is empty)."
		}
		s := "Network: only through the sandbox's proxy (HTTP_PROXY/HTTPS_PROXY are set) to " + strings.Join(p.Network.Domains, ", ")
		if len(p.Network.Ports) > 0 {
			s += fmt.Sprintf(" on ports %v", p.Network.Ports)
		}
		return s + "; every other connection is refused."
	case policy.NetworkHost:
		return "Network: the host's network (unrestricted)."
	}
	return "Network: none — no connection leaves the sandbox and names do not resolve; do not plan downloads."
}

func runDescription(t *server.Tenant) string {
	s := "Runs a Python 3 script in Cordon's sandbox and returns its status, exit code, stdout and stderr (capped, with truncated flags), " +
		"the static-analysis findings if it was rejected, resource usage, and the files it wrote in /work " +
		"(text inline, images as image content, other files as resources). " + short(t.Ceiling) +
		" Static analysis runs first: a finding of severity " + string(t.Ceiling.Analysis.Block) + " or above rejects the run (status rejected). " +
		"A call may only make the sandbox stricter (tighten: shorter limits, fewer domains)"
	if names := offerNames(t); len(names) > 0 {
		s += " or name one of the offered policies (" + strings.Join(names, ", ") + ")"
	}
	return s + "; it can never loosen it."
}

func checkDescription(t *server.Tenant) string {
	return "Checks Python source with Cordon's static analysis without running it: findings with file, line, column, rule and severity, " +
		"and whether run_python would reject the script (findings of severity " + string(t.Ceiling.Analysis.Block) + " or above block a run)."
}

// explain is a policy in words and in fields.
func explain(p *policy.Policy) ExplainOutput {
	l := p.Limits
	o := ExplainOutput{
		WallTime: l.WallTime.String(), CPUTime: l.CPUTime.String(), Memory: policy.FormatSize(int64(l.Memory)),
		Processes: l.Processes, FileSize: policy.FormatSize(int64(l.FileSize)), Output: policy.FormatSize(int64(l.Output)),
		Network: string(p.Network.Mode), Writable: []string{"/work", "/tmp"}, Tools: p.Runtime.Tools,
		BlocksFrom: string(p.Analysis.Block), Interpreter: p.Runtime.Interpreter,
	}
	if p.Network.Mode == policy.NetworkAllowlist {
		o.Domains = p.Network.Domains
	}
	o.Writable = append(o.Writable, p.Filesystem.ReadWrite...)
	var b strings.Builder
	fmt.Fprintf(&b, "A run starts the interpreter (%s) as an unprivileged user in a fresh sandbox that is thrown away afterwards; nothing carries over between runs.\n", p.Runtime.Interpreter)
	fmt.Fprintf(&b, "May: read and write /work (the script is /work/main.py, input files sit beside it, and files written there come back in the result) and /tmp (up to %s, not returned); ", policy.FormatSize(int64(l.Tmp)))
	if len(p.Filesystem.ReadWrite) > 0 {
		fmt.Fprintf(&b, "also write %s; ", strings.Join(p.Filesystem.ReadWrite, ", "))
	}
	b.WriteString("read the interpreter's standard library")
	if len(p.Filesystem.ReadOnly) > 0 {
		fmt.Fprintf(&b, " and %s", strings.Join(p.Filesystem.ReadOnly, ", "))
	}
	b.WriteString(".\n")
	if len(p.Runtime.Tools) > 0 {
		fmt.Fprintf(&b, "Programs besides the interpreter: %s.\n", strings.Join(p.Runtime.Tools, ", "))
	} else {
		b.WriteString("No other programs: no shell, no subprocess of git, curl, pip or the like.\n")
	}
	b.WriteString(networkWords(p) + "\n")
	fmt.Fprintf(&b, "Limits: wall clock %s (status timeout), CPU time %s (cpu-limit), memory %s (memory-limit), %d processes and threads (pids-limit), %s per written file (file-size-limit), %s kept of stdout and of stderr each (output-limit).\n",
		l.WallTime, l.CPUTime, policy.FormatSize(int64(l.Memory)), l.Processes, policy.FormatSize(int64(l.FileSize)), policy.FormatSize(int64(l.Output)))
	if p.Analysis.Block == policy.SeverityOff {
		b.WriteString("Static analysis reports findings but never refuses a run.\n")
	} else {
		fmt.Fprintf(&b, "Static analysis runs before the script: a finding of severity %s or above (e.g. shell commands built from input, eval/exec of computed code, deserialising untrusted data, reading credentials) refuses the run with status rejected; check_python shows the findings first.\n", p.Analysis.Block)
	}
	if len(p.Environment.Pass) > 0 {
		fmt.Fprintf(&b, "Environment: only PATH, HOME, LANG and %s.\n", strings.Join(p.Environment.Pass, ", "))
	} else {
		b.WriteString("Environment: only PATH, HOME and LANG; no secrets are passed in.\n")
	}
	b.WriteString("May not: reach the host's files, other processes or devices; install packages; run past the limits; change its own sandbox. A syscall the sandbox refuses (ptrace, mount, namespaces, kernel keys, bpf, ...) fails with an error and may end the run as security-violation.\n")
	b.WriteString("A call may tighten this (tighten: wall_time, cpu_time, memory, output, network_domains, no_network) but never loosen it.")
	o.Text = b.String()
	return o
}

// message is a run's status in one line: the library's Result.Reason
// (the words `cordon run` prints), or for the statuses it leaves to the
// script and to Error, what happened.
func message(status string, res *cordon.Result, p *policy.Policy) string {
	r := *res
	r.Status = cordon.Status(status)
	if msg := r.Reason(p); msg != "" {
		return msg
	}
	switch r.Status {
	case cordon.StatusOK:
		return "the script exited 0"
	case cordon.StatusExitNonzero:
		return fmt.Sprintf("the script exited with code %d (see stderr)", res.ExitCode)
	}
	msg := status
	if res.Error != "" {
		msg += ": " + res.Error
	}
	return msg
}

// summary is the text content of a run_python result.
func summary(o *RunOutput) string {
	var b strings.Builder
	fmt.Fprintf(&b, "status: %s (exit code %d) — %s\n", o.Status, o.ExitCode, o.Message)
	for _, f := range o.Findings {
		fmt.Fprintf(&b, "finding %s %s at %s:%d:%d: %s\n", f.Rule, f.Severity, f.File, f.Line, f.Column, f.Message)
	}
	if o.Stdout != "" {
		b.WriteString("--- stdout ---\n" + o.Stdout)
		if !strings.HasSuffix(o.Stdout, "\n") {
			b.WriteString("\n")
		}
		if o.Truncated.Stdout {
			b.WriteString("[stdout truncated]\n")
		}
	}
	if o.Stderr != "" {
		b.WriteString("--- stderr ---\n" + o.Stderr)
		if !strings.HasSuffix(o.Stderr, "\n") {
			b.WriteString("\n")
		}
		if o.Truncated.Stderr {
			b.WriteString("[stderr truncated]\n")
		}
	}
	for _, f := range o.Files {
		fmt.Fprintf(&b, "file %s (%d bytes): %s", f.Path, f.Size, f.ReturnedAs)
		if f.Note != "" {
			b.WriteString(" — " + f.Note)
		}
		b.WriteString("\n")
		if f.ReturnedAs == "text" {
			b.WriteString(f.Text)
			if !strings.HasSuffix(f.Text, "\n") {
				b.WriteString("\n")
			}
		}
	}
	return b.String()
}
