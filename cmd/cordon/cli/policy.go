package cli

// `cordon policy`: validate, show, init and schema for policy files
// (docs/policy.md). Every problem in a file is printed as
// "cordon: error: FILE:LINE:COL: field: message", all of them in one pass.

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"

	"github.com/cordonsec/cordon/policy"
)

const policyUsage = `Usage:
    cordon policy validate FILE...
    cordon policy show [--effective] [--format yaml|json] [FILE]
    cordon policy init [-o FILE]
    cordon policy schema

Subcommands:
    validate  check policy files: every error with file:line:column and field
    show      print a policy file as parsed, or with --effective the policy a
              run would use (built-in default and extends chain merged)
    init      write a commented starter policy (stdout, or -o FILE)
    schema    print the JSON Schema of policy files, for editors

Examples:
    cordon policy init -o ci.yaml
    cordon policy validate ci.yaml
    cordon policy show --effective ci.yaml
    cordon policy show --effective --format json
    cordon policy schema > cordon-policy.schema.json
`

func init() {
	register(&command{
		name:    "policy",
		summary: "validate, show, init, schema: policy files",
		run:     runPolicy,

		subcommands: true,
	})
}

func runPolicy(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, policyUsage)
		return usagef("policy", "missing subcommand (validate, show, init or schema)")
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(env.Stdout, policyUsage)
		return nil
	case "validate":
		return runPolicyValidate(env, args[1:])
	case "show":
		return runPolicyShow(env, args[1:])
	case "init":
		return runPolicyInit(env, args[1:])
	case "schema":
		return runPolicySchema(env, args[1:])
	}
	return usagef("policy", "unknown subcommand %q (valid: validate, show, init, schema)", args[0])
}

const policyValidateUsage = `Usage:
    cordon policy validate FILE...

Loads each policy file with what it extends and checks it: unknown keys,
wrong types, bad units, impossible values, paths, domains, CIDRs. Prints
every error as FILE:LINE:COL: field: message and every warning, then a
summary. Exits 1 if any file has an error, 0 if all are valid.

Examples:
    cordon policy validate ci.yaml
    cordon policy validate policies/*.yaml
`

func runPolicyValidate(env *Env, args []string) error {
	fs := newFlagSet(env, "policy validate", policyValidateUsage)
	files, ok, err := fs.parseInterspersed(args)
	if !ok || err != nil {
		return err
	}
	if len(files) == 0 {
		return usagef("policy validate", "no policy file given")
	}
	nerr, nwarn, bad := 0, 0, 0
	for _, f := range files {
		p, err := policy.Load(f)
		if err != nil {
			bad++
			var es policy.Errors
			if errors.As(err, &es) {
				for _, e := range es {
					errorf(env, "%s", e)
				}
				nerr += len(es)
			} else {
				errorf(env, "%v", err)
				nerr++
			}
			continue
		}
		for _, w := range p.Warnings() {
			warningf(env, "%s", w)
			nwarn++
		}
		fmt.Fprintf(env.Stdout, "%s: valid (hash %.12s)\n", f, p.Hash())
	}
	fmt.Fprintf(env.Stdout, "%s checked: %s valid, %s, %s\n",
		plural(len(files), "file"), fmt.Sprint(len(files)-bad), plural(nerr, "error"), plural(nwarn, "warning"))
	if bad > 0 {
		return exitCode(1)
	}
	return nil
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

const policyShowUsage = `Usage:
    cordon policy show [--effective] [--format yaml|json] [FILE]

Without --effective, prints FILE as parsed: only the fields it sets, with
paths made absolute and domains and CIDRs normalised. With --effective,
prints the policy a run would use: the built-in default and the extends
chain merged, every field set. Without FILE, prints the built-in default.

Flags:
    --effective      merge defaults and extends
    --format FORMAT  yaml (default) or json; --json is --format json

Examples:
    cordon policy show ci.yaml
    cordon policy show --effective ci.yaml
    cordon policy show --format json
`

func runPolicyShow(env *Env, args []string) error {
	fs := newFlagSet(env, "policy show", policyShowUsage)
	effective := fs.Bool("effective", false, "merge defaults and extends")
	fs.formatFlag("yaml", "json")
	pos, ok, err := fs.parseInterspersed(args)
	if !ok || err != nil {
		return err
	}
	form := fs.Format()
	if len(pos) > 1 {
		return usagef("policy show", "one policy file at most, got %d", len(pos))
	}
	if len(pos) == 0 || *effective {
		var p *policy.Policy
		if len(pos) == 0 {
			p = policy.Default()
		} else if p, err = policy.Load(pos[0]); err != nil {
			return printPolicyErrors(env, err)
		}
		if form == "json" {
			env.Stdout.Write(p.JSON())
			return nil
		}
		name := "builtin:default"
		if len(pos) == 1 {
			name = pos[0]
		}
		fmt.Fprintf(env.Stdout, "# effective policy of %s (hash %s)\n", name, p.Hash())
		env.Stdout.Write(p.YAML())
		return nil
	}
	f, err := policy.ReadFile(pos[0])
	if err != nil {
		return printPolicyErrors(env, err)
	}
	if form == "json" {
		env.Stdout.Write(f.JSON())
	} else {
		env.Stdout.Write(f.YAML())
	}
	return nil
}

// printPolicyErrors prints each error of a policy and exits 1.
func printPolicyErrors(env *Env, err error) error {
	var es policy.Errors
	if !errors.As(err, &es) {
		return err
	}
	for _, e := range es {
		errorf(env, "%s", e)
	}
	return exitCode(1)
}

const policyInitUsage = `Usage:
    cordon policy init [-o FILE]

Prints a commented starter policy (the built-in default, every field
explained), or writes it to FILE, never replacing an existing file.

Flags:
    -o FILE  write to FILE instead of stdout

Examples:
    cordon policy init -o ci.yaml
`

func runPolicyInit(env *Env, args []string) error {
	fs := newFlagSet(env, "policy init", policyInitUsage)
	out := fs.String("o", "", "output file")
	pos, ok, err := fs.parseInterspersed(args)
	if !ok || err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("policy init", "unexpected argument %q (write to a file with -o FILE)", pos[0])
	}
	if *out == "" {
		env.Stdout.Write(policy.Template())
		return nil
	}
	if err := policy.WriteTemplate(*out); err != nil {
		if errors.Is(err, iofs.ErrExist) {
			return withHint(fmt.Errorf("%s already exists", *out), "init never replaces a file; choose another name or remove it first")
		}
		return err
	}
	infof(env, "wrote %s; check it with: cordon policy validate %s", *out, *out)
	return nil
}

const policySchemaUsage = `Usage:
    cordon policy schema

Prints the JSON Schema (draft 2020-12) of policy files. Point your
editor's YAML support at it to complete and check policy files.

Examples:
    cordon policy schema > cordon-policy.schema.json
`

func runPolicySchema(env *Env, args []string) error {
	fs := newFlagSet(env, "policy schema", policySchemaUsage)
	if ok, err := fs.parseNoArgs(args); !ok {
		return err
	}
	env.Stdout.Write(policy.Schema())
	return nil
}
