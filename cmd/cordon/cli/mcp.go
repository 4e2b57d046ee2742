package cli

// `cordon mcp`: the MCP tools (package mcp) on stdio, for an AI agent on
// this machine. The tools run through a service without a listener
// (server.NewLocal), so every call is checked, tightened, queued, audited
// and given evidence as a request to `cordon serve` is.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cordonsec/cordon/mcp"
	"github.com/cordonsec/cordon/policy"
	"github.com/cordonsec/cordon/server"
)

const mcpUsage = `Usage:
    cordon mcp [--policy FILE] [--offer NAME=FILE]... [--state DIR] [--workers N] [--rate N]

Serves Cordon's tools to an AI agent over the Model Context Protocol on
stdin and stdout (docs/clients.md has the config of common MCP hosts):

    run_python      run a script in the sandbox: status, exit code, output,
                    findings, usage, the files it wrote (images as images)
    check_python    static analysis only
    explain_policy  what a run may and may not do, in words

The agent can never widen its sandbox: it may name an offered policy
(--offer) or tighten the limits and the network allow-list of a call,
nothing else. Every call is a run in the policy's audit log, with the MCP
client's name in its start record. Log lines go to stderr.

Flags:
    --policy FILE      the policy every run starts from (default: the
                       built-in default, builtin:default)
    --offer NAME=FILE  a further policy the agent may name; it must
                       tighten --policy (repeatable)
    --state DIR        where runs' files and the journal live (default: a
                       fresh temporary folder, removed at exit); one
                       process per folder
    --workers N        runs executing at once (default 2)
    --rate N           tool calls a minute per client (default 60)

Examples:
    cordon mcp
    cordon mcp --policy agent.yaml --offer net=agent-net.yaml
`

func init() {
	register(&command{
		name:    "mcp",
		summary: "serve the MCP tools on stdio (for AI agents)",
		run:     runMCP,
	})
}

type offerFlags map[string]string

func (o offerFlags) String() string { return fmt.Sprint(map[string]string(o)) }
func (o offerFlags) Set(v string) error {
	name, file, ok := strings.Cut(v, "=")
	if !ok || name == "" || file == "" {
		return fmt.Errorf("want NAME=FILE, got %q", v)
	}
	if _, dup := o[name]; dup {
		return fmt.Errorf("policy %q offered twice", name)
	}
	o[name] = file
	return nil
}

func runMCP(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "mcp", mcpUsage)
	policyFile := fs.String("policy", "", "policy file")
	offers := offerFlags{}
	fs.Var(offers, "offer", "NAME=FILE")
	stateDir := fs.String("state", "", "state folder")
	workers := fs.Int("workers", 2, "runs at once")
	rate := fs.Int("rate", 60, "tool calls a minute per client")
	if ok, err := fs.parseNoArgs(args); !ok {
		return err
	}
	if *workers < 1 || *rate < 1 {
		return usagef("mcp", "--workers and --rate must be at least 1")
	}
	ceiling, err := policy.LoadOrDefault(*policyFile)
	if err != nil {
		return withHint(err, "check the path of --policy; \"cordon policy init -o FILE\" writes a commented starter policy")
	}
	offered := map[string]*policy.Policy{}
	for name, file := range offers {
		p, err := policy.Load(file)
		if err != nil {
			return withHint(fmt.Errorf("--offer %s: %w", name, err), "each --offer is NAME=FILE with a policy file")
		}
		offered[name] = p
	}
	dir := *stateDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "cordon-mcp-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	logger := slog.New(slog.NewTextHandler(env.Stderr, nil))
	srv, err := server.NewLocal(server.LocalOptions{Ceiling: ceiling, Offers: offered, StateDir: dir,
		Workers: *workers, RunsPerMinute: *rate, Burst: *rate}, logger)
	if err != nil {
		return withHint(err, "an --offer must be stricter than --policy in every field; \"cordon doctor\" tells what this host can enforce")
	}
	defer func() {
		if err := srv.Shutdown(context.Background()); err != nil {
			logger.Warn("closing the service", "err", err)
		}
	}()
	s, err := mcp.NewServer(srv, server.LocalTenant, mcp.Options{CallsPerMinute: *rate, Burst: max(*rate/6, 1), Version: Version})
	if err != nil {
		return err
	}
	// Stdio as Env gives it (os.Stdin and os.Stdout in the binary).
	err = s.Run(ctx, &sdk.IOTransport{Reader: io.NopCloser(env.Stdin), Writer: nopWriteCloser{env.Stdout}})
	if ctx.Err() != nil {
		return nil
	}
	return err
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }
