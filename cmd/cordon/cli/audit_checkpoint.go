package cli

// `cordon audit checkpoint` seals the log now; `cordon audit prune`
// applies retention (only to what verified and is checkpointed).

import (
	"context"
	"fmt"
	"time"

	"github.com/cordonsec/cordon/audit"
	"github.com/cordonsec/cordon/policy"
)

const auditCheckpointUsage = `Usage:
    cordon audit checkpoint [--dir DIR] [--key FILE] [--witness W]

Opens the log (repairing a torn tail a crash left, which it records),
signs a checkpoint of every record and copies it to the witness.

Examples:
    cordon audit checkpoint
    cordon audit checkpoint --dir /var/lib/cordon/audit --witness /mnt/witness
`

const auditPruneUsage = `Usage:
    cordon audit prune [--dir DIR] --older-than DURATION

Deletes the oldest segments whose records are all older than DURATION.
It first seals and verifies the whole log and deletes nothing if that
fails; it never deletes the current segment or one a checkpoint does not
cover, and keeps the subtree hashes verify needs for what remains.

Examples:
    cordon audit prune --older-than 2160h
`

func init() {
	registerAudit("checkpoint", "sign a checkpoint of the log now", runAuditCheckpoint)
	registerAudit("prune", "delete old segments that verified and are checkpointed", runAuditPrune)
}

func openAuditFromFlags(dir, key, witness string) (*audit.Log, error) {
	opts := audit.OptionsFromPolicy(policy.Default().Audit)
	opts.Dir, opts.SigningKey, opts.Witness = dir, key, witness
	l, err := audit.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("opening audit log %s: %w", opts.Dir, err)
	}
	return l, nil
}

func runAuditCheckpoint(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "audit checkpoint", auditCheckpointUsage)
	key := fs.String("key", "", "signing key file")
	witness := fs.String("witness", "", "witness dir or exec:COMMAND")
	dirOpt := fs.dirFlag()
	if ok, err := fs.parseNoArgs(args); !ok {
		return err
	}
	dir := *dirOpt
	l, err := openAuditFromFlags(dir, *key, *witness)
	if err != nil {
		return err
	}
	if err := l.Checkpoint(ctx); err != nil {
		l.Close()
		return err
	}
	n := l.Size()
	if err := l.Close(); err != nil {
		return err
	}
	infof(env, "checkpoint of %d records in %s", n, l.Dir())
	return nil
}

func runAuditPrune(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "audit prune", auditPruneUsage)
	older := fs.Duration("older-than", 0, "age")
	key := fs.String("key", "", "signing key file")
	dirOpt := fs.dirFlag()
	if ok, err := fs.parseNoArgs(args); !ok {
		return err
	}
	dir := *dirOpt
	if *older <= 0 {
		return usagef("audit prune", "--older-than is required")
	}
	l, err := openAuditFromFlags(dir, *key, "")
	if err != nil {
		return err
	}
	removed, err := l.Prune(ctx, time.Now().Add(-*older))
	if cerr := l.Close(); err == nil {
		err = cerr
	}
	for _, r := range removed {
		infof(env, "pruned %s", r)
	}
	if err != nil {
		return err
	}
	if len(removed) == 0 {
		infof(env, "nothing to prune")
	}
	return nil
}
