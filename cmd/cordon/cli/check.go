package cli

// `cordon check`: static analysis of Python scripts without running them.
// Exit 0 when no finding reaches --fail-on and every file was analysed, 1
// when one does or a file could not be read (fail closed), 2 for usage.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/cordonsec/cordon/analysis"
	"github.com/cordonsec/cordon/policy"
)

const checkUsage = `Usage:
    cordon check [--format text|json|sarif] [--fail-on high|medium|low|never]
                 [--policy FILE] FILE|DIR...

Reads Python scripts the way the interpreter would (coding cookie, BOM,
NFKC identifiers), resolves imports and aliases, and reports what they try
to do: code execution and obfuscation, shells and processes,
deserialisation, weak crypto and TLS, secrets, sensitive paths, network,
injection, native code. docs/rules.md lists every rule.

Directories are walked for *.py files and files with a python shebang;
symbolic links to directories are not followed. A file that cannot be
read or analysed is an error and fails the check.

Exits 0 when no finding reaches --fail-on, 1 when one does or a file
could not be analysed, 2 for a command-line mistake.

Flags:
    --format F    text (default), json or sarif (SARIF 2.1.0); --json is --format json
    --fail-on S   lowest severity that fails the check: high, medium, low or
                  never (default: the policy's analysis.block, high)
    --policy FILE take analysis.block and analysis.allow from this policy
    --jobs N      files analysed at once (default: number of CPUs)

Examples:
    cordon check script.py
    cordon check --format sarif --fail-on medium src/ > cordon.sarif
    cordon check --format json --fail-on never tools/
`

func init() {
	register(&command{
		name:    "check",
		summary: "analyse Python scripts for dangerous behaviour without running them",
		run:     runCheck,
	})
}

func runCheck(ctx context.Context, env *Env, args []string) error {
	fset := newFlagSet(env, "check", checkUsage)
	fset.formatFlag("text", "json", "sarif")
	failOn := fset.String("fail-on", "", "severity that fails the check")
	policyFile := fset.String("policy", "", "policy file")
	jobs := fset.Int("jobs", runtime.GOMAXPROCS(0), "parallel files")
	if ok, err := fset.parse(args); !ok {
		return err
	}
	form := fset.Format()
	if fset.NArg() == 0 {
		return usagef("check", "no file or directory to check")
	}
	if *jobs < 1 {
		return usagef("check", "--jobs must be at least 1")
	}
	pol := policy.Default()
	if *policyFile != "" {
		p, err := policy.LoadOrDefault(*policyFile)
		if err != nil {
			return err
		}
		pol = p
	}
	threshold := pol.Analysis.Block
	switch *failOn {
	case "":
	case "never", "off":
		threshold = policy.SeverityOff
	case "high", "medium", "low":
		threshold = policy.Severity(*failOn)
	default:
		return usagef("check", "unknown --fail-on %q (valid: high, medium, low, never)", *failOn)
	}

	if os.Getenv("GOGC") == "" {
		// Analysis allocates one short-lived tree per file: collecting
		// less often is 10% faster for a few MB more.
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	files, walkErrs := analysis.CollectPython(fset.Args())
	reports, errs := analysis.AnalyzeFiles(ctx, files, *jobs, analysis.Options{Allow: pol.Analysis.Allow})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	errs = append(walkErrs, errs...)

	rep := analysis.NewCheckReport(reports, errs, threshold)
	failed, counts := rep.Failed, rep.Counts
	var err error
	switch form {
	case "json":
		err = writeCheckJSON(env.Stdout, rep)
	case "sarif":
		err = analysis.WriteSARIF(env.Stdout, Version, reports, errs)
	default:
		err = writeCheckText(env.Stdout, reports, counts)
	}
	if err != nil {
		return fmt.Errorf("writing results: %w", err)
	}
	if form == "text" {
		for _, e := range errs {
			errorf(env, "%s: %s", e.File, e.Err)
		}
	}
	if failed {
		return exitCode(1)
	}
	return nil
}

func writeCheckText(w io.Writer, reports []*analysis.Report, counts map[string]int) error {
	bw := bufio.NewWriter(w)
	n := 0
	for _, r := range reports {
		for _, f := range r.Findings {
			n++
			target := ""
			if f.Target != "" && !strings.Contains(f.Message, f.Target) {
				target = " [" + f.Target + "]"
			}
			fmt.Fprintf(bw, "%s:%d:%d: %s %s %s%s\n", r.File, f.Line, f.Column, f.Severity, f.Rule, f.Message, target)
			if f.Snippet != "" {
				fmt.Fprintf(bw, "    %s\n", f.Snippet)
			}
		}
	}
	fmt.Fprintf(bw, "%s, %s (%d high, %d medium, %d low)\n", plural(len(reports), "file"), plural(n, "finding"), counts["high"], counts["medium"], counts["low"])
	return bw.Flush()
}

func writeCheckJSON(w io.Writer, rep *analysis.CheckReport) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}
