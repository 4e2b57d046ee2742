// Package cli is the cordon command line: [Main] dispatches to one
// subcommand per file (policy.go, doctor.go, run.go, ...), each owning its
// flags and usage text. The CLI is thin: it parses flags, calls the library
// face (package cordon and the layer packages' public APIs) and prints.
//
// Every message a user sees goes through the helpers in msg.go, and every
// subcommand's flags through flags.go: a bad flag is one error with a hint,
// the output format is --format (--json its shorthand), the audit log dir
// is --dir.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Env is what a subcommand may touch of the outside world; tests inject it.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// command is one subcommand.
type command struct {
	name    string
	summary string // one line for `cordon help`
	// run executes the subcommand with the arguments after its name. It
	// returns the process exit code; errors are printed by run itself or
	// returned as *exitError / plain errors (printed by Main, exit 1).
	run func(ctx context.Context, env *Env, args []string) error
	// subcommands: the command is a family ("audit show"), and
	// `cordon help audit show` shows the member's help.
	subcommands bool
}

// commands is the table of subcommands; each subcommand file registers
// itself in an init function, so adding one touches only its own file.
var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("cli: duplicate command " + c.name)
	}
	commands[c.name] = c
}

// exitError carries a chosen exit code for an outcome that is not a usage
// or runtime error (e.g. `policy validate` finding problems, `run` passing a
// script's status through). Its message, if any, was already printed.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// exitCode returns an error that makes Main exit with code without printing.
func exitCode(code int) error {
	if code == 0 {
		return nil
	}
	return &exitError{code: code}
}

// usageError is a mistake in the command line; Main prints it with a hint
// to the subcommand's help and exits 2.
type usageError struct {
	cmd string
	msg string
}

func (e *usageError) Error() string { return e.msg }

func usagef(cmd, format string, args ...any) error {
	return &usageError{cmd: cmd, msg: fmt.Sprintf(format, args...)}
}

const usage = `cordon runs scripts you do not fully trust in a kernel-enforced sandbox.

Usage:
    cordon <command> [flags] [arguments]

Commands:
%s
Examples:
    cordon run hello.py                       run a script under the default policy
    cordon run --policy ci.yaml job.py -- -v  run with a policy and script arguments
    cordon policy validate ci.yaml            check a policy file
    cordon doctor                             what this host can enforce

Run "cordon help <command>" for a command's flags.
`

func printUsage(w io.Writer) {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "    %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, usage, b.String())
}

// Main runs the cordon command line with args (without the program name)
// and returns the process exit code.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	env := &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr}
	if len(args) == 0 {
		printUsage(stderr)
		return 2
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 {
			if c, ok := commands[rest[0]]; ok {
				args := []string{"-help"}
				if c.subcommands && len(rest) > 1 {
					args = []string{rest[1], "-help"}
				}
				return finish(env, c.name, c.run(ctx, env, args))
			}
			errorf(env, "unknown command %q", rest[0])
			return 2
		}
		printUsage(stdout)
		return 0
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, "cordon", Version)
		return 0
	}
	c, ok := commands[name]
	if !ok {
		errorf(env, "unknown command %q", name)
		hintf(env, "run \"cordon help\" for the list of commands")
		return 2
	}
	return finish(env, c.name, c.run(ctx, env, rest))
}

// Version is the cordon version, set at build time with -ldflags.
var Version = "devel"

func finish(env *Env, name string, err error) int {
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	var ue *usageError
	if errors.As(err, &ue) {
		errorf(env, "%s", ue.msg)
		if ue.cmd != "" {
			name = ue.cmd
		}
		hintf(env, "run \"cordon help %s\" for usage", name)
		return 2
	}
	errorf(env, "%v", err)
	for _, h := range hintsOf(err) {
		hintf(env, "%s", h)
	}
	return 1
}
