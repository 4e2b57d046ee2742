package cli

// `cordon run`: run one script in the sandbox. Output is streamed live;
// --json prints exactly the Result object instead; the exit code follows
// the status (Status.ExitCode).

import (
	"context"
	"encoding/json"
	"errors"
	iofs "io/fs"
	"strings"
	"sync"
	"time"

	"github.com/cordonsec/cordon"
	"github.com/cordonsec/cordon/egress"
	"github.com/cordonsec/cordon/policy"
)

const runUsage = `Usage:
    cordon run [--policy FILE] [--file PATH]... [--file-follow] [--output DIR [--output-glob GLOB]...]
               [--resolve NAME=ADDR]... [--format text|json] [-v] [--raw-output] [--buffered] [--warm] SCRIPT [-- ARGS...]

Runs the Python script SCRIPT in a kernel-enforced sandbox: new user, pid,
mount, network, ipc, uts and cgroup namespaces, a fresh root holding only
the interpreter's runtime and a writable work dir, seccomp, Landlock,
cgroup limits and rlimits. Its stdin is passed through; its output is
streamed live (up to the policy's output cap): the interpreter runs
unbuffered (python -u) and Cordon holds what the terminal or pipe has not
taken yet, so a slow reader never slows the script down.

The exit code is the script's own for exit-nonzero (1-99), 0 for ok, and
for a status Cordon decides: timeout 124, cpu-limit 101, memory-limit 102,
pids-limit 103, output-limit 104, file-size-limit 105, signaled 106,
security-violation 107, rejected 108, internal-error 125, canceled 130.
Every status but ok and exit-nonzero is explained in one line on stderr.

Flags:
    --policy FILE  the policy (default: the built-in default, builtin:default;
                   builtin:strict is a stricter profile)
    --file PATH    copy PATH into the work dir next to the script (repeatable):
                   a regular file, not in /proc or /sys, not denied by the
                   policy's filesystem.deny; its path, size and SHA-256 go
                   into the audit start record
    --file-follow  --file may name a symbolic link (its target is copied
                   and checked); without it a link is refused
    --output DIR   after the run, copy the files the script left in its work
                   dir into DIR (created if missing; same relative paths;
                   regular files only, never through a symlink), within
                   outputs.max_files and outputs.max_size; which files:
                   the policy's outputs.paths, else all but the inputs
    --output-glob GLOB
                   collect the files matching GLOB instead (relative to
                   the work dir; "**" for any folders; repeatable)
    --resolve NAME=ADDR[,ADDR...]
                   network mode allowlist: the egress proxy resolves NAME to
                   these addresses instead of asking DNS (repeatable); the
                   addresses still need the policy's rules (a private or
                   loopback address needs a network.cidrs entry)
    --format F     text (default: the script's output) or json (the result
                   as JSON on stdout instead of the output); --json is the
                   same as --format json
    --raw-output   pass the script's escape sequences and control characters
                   to the terminal as they are (by default, when stdout or
                   stderr is a terminal, only newlines, tabs, carriage
                   returns and basic colours pass; the rest is shown as
                   text, e.g. ^[]0;title)
    --buffered     let the interpreter buffer its output: it then arrives in
                   blocks (or at the end), but a script printing many small
                   lines runs several times faster
    --warm         run in a warm sandbox (a pool of one, cordon.Pool): the
                   interpreter is started before the script is handed over;
                   the result says "warm": true. The same isolation as a
                   cold run; for comparing the two (the break-out suite
                   runs through it), not faster for one run
    -v             print a summary of the run, its findings and events on stderr

Examples:
    cordon run hello.py
    cordon run --file data.csv report.py -- --month 2026-11
    cordon run --json job.py < input.txt
    cordon run --output results --output-glob '*.csv' report.py
`

func init() {
	register(&command{
		name:    "run",
		summary: "run a script in the sandbox",
		run:     runRun,
	})
}

type fileList []string

func (f *fileList) String() string     { return strings.Join(*f, ",") }
func (f *fileList) Set(s string) error { *f = append(*f, s); return nil }

func runRun(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "run", runUsage)
	policyFile := fs.String("policy", "", "policy file")
	var files, resolves, outGlobs fileList
	fs.Var(&files, "file", "input file")
	follow := fs.Bool("file-follow", false, "--file may name a symbolic link")
	outDir := fs.String("output", "", "collect output files into this folder")
	fs.Var(&outGlobs, "output-glob", "pattern of output files to collect")
	fs.Var(&resolves, "resolve", "pin a name for the egress proxy")
	fs.formatFlag("text", "json")
	verbose := fs.Bool("v", false, "print a summary")
	buffered := fs.Bool("buffered", false, "let the interpreter buffer its output")
	raw := fs.Bool("raw-output", false, "pass escape sequences to the terminal")
	warm := fs.Bool("warm", false, "run in a warm sandbox")
	if ok, err := fs.parse(args); !ok {
		return err
	}
	asJSON := fs.Format() == "json"
	if fs.NArg() == 0 {
		return usagef("run", "no script given")
	}
	script, scriptArgs := fs.Arg(0), fs.Args()[1:]
	if len(scriptArgs) > 0 && scriptArgs[0] == "--" {
		scriptArgs = scriptArgs[1:]
	} else if len(scriptArgs) > 0 {
		return usagef("run", "arguments for the script go after --: %q", scriptArgs[0])
	}
	policyStart := time.Now()
	pol := policy.Default()
	if *policyFile != "" {
		p, err := policy.LoadOrDefault(*policyFile)
		if errors.Is(err, iofs.ErrNotExist) {
			return withHint(err, "check the path of --policy; \"cordon policy init -o %s\" writes a commented starter policy", *policyFile)
		}
		if err != nil {
			return err
		}
		pol = p
	}
	opts := cordon.Options{}
	if len(resolves) > 0 {
		pins := egress.StaticResolver{}
		for _, r := range resolves {
			name, addrs, err := egress.ParseResolve(r)
			if err != nil {
				return usagef("run", "--resolve: %v", err)
			}
			pins[name] = append(pins[name], addrs...)
		}
		opts.Resolver = egress.Pinned{Pins: pins}
		if pol.Network.Mode != policy.NetworkAllowlist {
			warningf(env, "--resolve has no effect: the policy's network mode is %s, not allowlist", pol.Network.Mode)
		}
	}
	policyUS := time.Since(policyStart).Microseconds()
	opts.InitBinary = cordon.DefaultInitBinary()
	ex, err := cordon.NewExecutor(opts)
	if err != nil {
		return err
	}
	var closeOnce sync.Once
	closeEx := func() {
		closeOnce.Do(func() {
			// Seals the audit log with a final signed checkpoint.
			if err := ex.Close(); err != nil {
				warningf(env, "closing the audit log: %v", err)
			}
		})
	}
	defer closeEx()
	if len(outGlobs) > 0 && *outDir == "" {
		return usagef("run", "--output-glob needs --output DIR")
	}
	job := cordon.Job{Script: script, Args: scriptArgs, Files: files, FollowLinks: *follow, Policy: pol, Stdin: env.Stdin,
		OutputDir: *outDir, Outputs: outGlobs}
	var safe []*termSafe
	if !asJSON {
		// Live: the interpreter writes unbuffered (a pipe would make
		// Python buffer in 8 KiB blocks until the script ends).
		job.Stdout, job.Stderr, job.Unbuffered = env.Stdout, env.Stderr, !*buffered
		// A terminal gets the script's output through the filter.
		if !*raw && isTerminal(env.Stdout) {
			ts := newTermSafe(env.Stdout)
			job.Stdout, safe = ts, append(safe, ts)
		}
		if !*raw && isTerminal(env.Stderr) {
			ts := newTermSafe(env.Stderr)
			job.Stderr, safe = ts, append(safe, ts)
		}
	}
	var res cordon.Result
	if *warm {
		res, err = runWarm(ctx, ex, job)
	} else {
		res, err = ex.Run(ctx, job)
	}
	if len(safe) > 0 && isTerminal(env.Stderr) {
		// Cordon's own lines start on a fresh line with colours reset.
		var prefix string
		for _, ts := range safe {
			mid, col := ts.finish()
			if col && !strings.Contains(prefix, "\x1b[0m") {
				prefix = "\x1b[0m" + prefix
			}
			if mid && !strings.HasSuffix(prefix, "\n") {
				prefix += "\n"
			}
		}
		env.Stderr = &prefixed{w: env.Stderr, prefix: prefix}
	}
	if errors.Is(err, cordon.ErrBadInput) {
		if errors.Is(err, iofs.ErrNotExist) {
			return withHint(err, "check the path; it is taken relative to the current directory")
		}
		if errors.Is(err, cordon.ErrInputLink) {
			return withHint(err, "give the path of what it points to, or --file-follow to copy its target")
		}
		return err
	}
	if err != nil && res.Status == "" {
		if errors.Is(err, context.Canceled) {
			infof(env, "canceled: the run was interrupted before it started")
			return exitCode(cordon.StatusCanceled.ExitCode(0))
		}
		return err
	}
	// The log is sealed before the result is told, so the phases count
	// the checkpoint too.
	closeStart := time.Now()
	closeEx()
	res.Usage.Phases.AuditEndUS += time.Since(closeStart).Microseconds()
	res.Usage.Phases.PolicyUS = policyUS
	if asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	}
	if *verbose {
		runSummary(env, &res)
	}
	if *outDir != "" && !asJSON {
		outputsSummary(env, &res, *outDir, *verbose)
	}
	if line := statusLine(&res, pol); line != "" {
		infof(env, "%s", line)
	}
	if !asJSON {
		for _, e := range res.Events {
			if e.Type == cordon.EventProgramMissing {
				hintf(env, "the script tried to run %q, which the sandbox does not have; list it in the policy's runtime.tools to allow it", e.Detail["program"])
			}
		}
	}
	if res.Status == cordon.StatusInternalError && !asJSON {
		errorf(env, "%s", res.Error)
		layerHint(env, &res)
	}
	return exitCode(res.Status.ExitCode(res.ExitCode))
}

// layerHint names the fix for a run that failed for want of a layer
// (Result.FailedLayer): isolation.allow_degraded only for a layer that can
// degrade, the interpreter setting for a missing one.
func layerHint(env *Env, res *cordon.Result) {
	l := res.FailedLayer
	if l == "" {
		return
	}
	switch {
	case l == policy.LayerRootfs && strings.Contains(res.Error, "interpreter"):
		hintf(env, "install the interpreter, or set runtime.interpreter in the policy to its name on PATH or its absolute path")
	case cordon.CanDegrade(l):
		hintf(env, "\"cordon doctor\" shows what this host can enforce; a policy may let %s degrade with isolation.allow_degraded (see examples/unprivileged.yaml)", l)
	default:
		hintf(env, "\"cordon doctor\" shows what this host can enforce; %s never degrades", l)
	}
}

// runWarm runs job through a pool of one warm sandbox, waiting for it to
// be built (never cold).
func runWarm(ctx context.Context, ex *cordon.Executor, job cordon.Job) (cordon.Result, error) {
	pl, err := cordon.NewPool(ex, cordon.PoolOptions{Size: 1, MaxBuilds: 1, Wait: time.Hour, NoCold: true, IdleTrim: -1})
	if err != nil {
		return cordon.Result{}, err
	}
	defer pl.Close()
	return pl.Run(ctx, job)
}
