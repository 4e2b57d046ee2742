package cli

// `cordon audit verify`: recompute the log and name any attack found.
// Exit 0 clean, 1 when something is wrong.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cordonsec/cordon/audit"
)

const auditVerifyUsage = `Usage:
    cordon audit verify [--dir DIR] [--key PUBKEY] [--trusted CHECKPOINT]... [--witness DIR] [--format text|json]

Recomputes every leaf and root of the log in --dir DIR (default: the
default log dir) and checks them against the log's signed checkpoints, the
witness copies and the trusted checkpoints you hold. It names what it
finds: modified, inserted, deleted, reordered, truncated, forked,
rolled-back, bad-signature, missing-checkpoint, with the first bad
record's position. Exit status 0 means clean, 1 means not.

Pin the verifier key with --key: without it verify trusts DIR's own
checkpoint.pub, which anyone who can rewrite the log can replace.

Flags:
    --key PUBKEY            the verifier key file (or its text) to pin
    --trusted FILE          a signed checkpoint held outside the log (repeatable)
    --witness DIR           a directory of checkpoint copies
    --max-unsealed DURATION records after the last checkpoint older than this are an attack (default 15m, 0 disables)
    --format F              text (default) or json (--json is the same as --format json)

Examples:
    cordon audit verify --key audit.pub
    cordon audit verify --dir /var/lib/cordon/audit --key audit.pub --trusted yesterday.ckpt --witness /mnt/witness
`

func init() {
	registerAudit("verify", "recompute the log and name any tampering", runAuditVerify)
}

func runAuditVerify(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "audit verify", auditVerifyUsage)
	key := fs.String("key", "", "verifier key")
	var trusted multiFlag
	fs.Var(&trusted, "trusted", "trusted checkpoint file")
	witness := fs.String("witness", "", "witness dir")
	maxUnsealed := fs.Duration("max-unsealed", 15*60e9, "oldest unsealed record allowed")
	fs.formatFlag("text", "json")
	dirOpt := fs.dirFlag()
	if ok, err := fs.parseNoArgs(args); !ok {
		return err
	}
	asJSON := fs.Format() == "json"
	dir := *dirOpt
	if dir == "" {
		dir = audit.DefaultDir()
	}
	if _, err := os.Stat(dir); err != nil {
		return fmt.Errorf("audit log %s: %w", dir, err)
	}
	opts := audit.VerifyOptions{Witness: *witness, MaxUnsealed: *maxUnsealed}
	if *maxUnsealed == 0 {
		opts.MaxUnsealed = -1
	}
	if *key != "" {
		v, err := audit.LoadVerifier(*key)
		if err != nil {
			return err
		}
		opts.Key = v
	} else {
		warningf(env, "verifier key not pinned: trusting %s, which whoever can rewrite the log can replace", filepath.Join(dir, "checkpoint.pub"))
		hintf(env, "pass the verifier key you were given: --key FILE")
	}
	for _, f := range trusted {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("trusted checkpoint: %w", err)
		}
		opts.Trusted = append(opts.Trusted, b)
	}
	rep, err := audit.Verify(dir, opts)
	if err != nil {
		return fmt.Errorf("verifying %s: %w", dir, err)
	}
	// Runs without an end record are not tampering (the supervisor was
	// killed, or the run still goes on) but are said: a log that parses
	// is checked; one that does not is named by the findings below.
	unfinished, _ := audit.UnfinishedRuns(dir)
	if asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		out := struct {
			*audit.VerifyReport
			Unfinished []audit.Unfinished `json:"unfinished"`
		}{rep, unfinished}
		if out.Unfinished == nil {
			out.Unfinished = []audit.Unfinished{}
		}
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(env.Stdout, "audit log %s: %s, %d sealed by checkpoint, %s checked, key %s\n",
			dir, plural(int(rep.Records), "record"), rep.Sealed, plural(rep.Checkpoints, "checkpoint"), rep.KeyName)
		if rep.Pruned > 0 {
			fmt.Fprintf(env.Stdout, "records before %d were removed by retention\n", rep.Pruned)
		}
		fmt.Fprintf(env.Stdout, "root %s\n", rep.Root)
	}
	for _, u := range unfinished {
		warningf(env, "run %s unfinished: its start record %d (%s, %s) has no end record: the run still goes on, or its supervisor was killed", u.RunID, u.Index, u.Script, u.Time)
	}
	if rep.Clean() {
		if !asJSON {
			fmt.Fprintln(env.Stdout, "clean")
		}
		return nil
	}
	for _, f := range rep.Findings {
		errorf(env, "%s", f)
	}
	if rep.FirstBad >= 0 {
		errorf(env, "log not clean: %v; first bad record %d", rep.Attacks(), rep.FirstBad)
	} else {
		errorf(env, "log not clean: %v", rep.Attacks())
	}
	return exitCode(1)
}
