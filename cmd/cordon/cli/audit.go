package cli

// `cordon audit`: the tamper-evident log. Each subcommand lives in its own
// audit_*.go file; this one dispatches and holds the shared helpers.

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/cordonsec/cordon/audit"
)

const auditUsage = `Usage:
    cordon audit <subcommand> [flags] [arguments]

The audit log records every run and every security event as the leaves
of a Merkle tree with signed checkpoints (docs/audit.md).

Subcommands:
%s
Every subcommand takes the log dir as --dir DIR, by default %s.

Examples:
    cordon audit keygen --name cordon.audit/ci-1 --pub ci-1.pub
    cordon audit verify --key ci-1.pub --trusted last.ckpt
    cordon audit show --since 24h --status security-violation
    cordon audit prove 1234 > proof.json
    cordon audit check-proof proof.json --key ci-1.pub
`

type auditCmd struct {
	summary string
	run     func(ctx context.Context, env *Env, args []string) error
}

var auditCmds = map[string]auditCmd{}

func registerAudit(name, summary string, run func(ctx context.Context, env *Env, args []string) error) {
	auditCmds[name] = auditCmd{summary, run}
}

func init() {
	register(&command{
		name:    "audit",
		summary: "keygen, verify, show, prove: the tamper-evident audit log",
		run:     runAudit,

		subcommands: true,
	})
}

func auditHelp() string {
	names := make([]string, 0, len(auditCmds))
	for n := range auditCmds {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "    %-12s %s\n", n, auditCmds[n].summary)
	}
	return fmt.Sprintf(auditUsage, b.String(), audit.DefaultDir())
}

func runAudit(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, auditHelp())
		return usagef("audit", "missing subcommand")
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(env.Stdout, auditHelp())
		return nil
	}
	c, ok := auditCmds[args[0]]
	if !ok {
		return usagef("audit", "unknown audit subcommand %q", args[0])
	}
	return c.run(ctx, env, args[1:])
}

// multiFlag collects a repeated flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }
