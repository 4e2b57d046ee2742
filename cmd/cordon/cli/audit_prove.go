package cli

// `cordon audit prove` prints inclusion proofs; `cordon audit check-proof`
// checks one offline with the verifier key alone.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/cordonsec/cordon/audit"
)

const auditProveUsage = `Usage:
    cordon audit prove ID [--dir DIR] [--checkpoint FILE] [--key PUBKEY]

Prints, as JSON, an inclusion proof for the record with leaf index ID,
or for every record of the run with id ID: the record's bytes, its leaf
hash and index, the proof hashes and the signed checkpoint (tree size and
root) they lead to. Anyone with the verifier key can check it offline
with "cordon audit check-proof".

Flags:
    --dir DIR          the log dir (default: the default log dir)
    --checkpoint FILE  prove against this signed checkpoint (default: the log's newest)
    --key PUBKEY       verifier key (default: DIR/checkpoint.pub)

Examples:
    cordon audit prove 1234 > proof.json
    cordon audit prove 3f2a9c0e --checkpoint witness/0000000000001300.ckpt
`

const auditCheckProofUsage = `Usage:
    cordon audit check-proof FILE --key PUBKEY

Checks a proof printed by "cordon audit prove" with nothing but the
verifier key: the checkpoint's signature, each record's leaf hash and its
inclusion proof against the signed root. Exit 0 when it holds.

Examples:
    cordon audit check-proof proof.json --key audit.pub
`

func init() {
	registerAudit("prove", "print an inclusion proof for a record or a run", runAuditProve)
	registerAudit("check-proof", "check an inclusion proof offline with the verifier key", runAuditCheckProof)
}

func runAuditProve(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "audit prove", auditProveUsage)
	dir := fs.dirFlag()
	cpFile := fs.String("checkpoint", "", "checkpoint file")
	key := fs.String("key", "", "verifier key")
	pos, ok, err := fs.parseInterspersed(args)
	if !ok || err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("audit prove", "want one record index or run id")
	}
	if *key == "" {
		*key = filepath.Join(*dir, "checkpoint.pub")
	}
	v, err := audit.LoadVerifier(*key)
	if err != nil {
		return err
	}
	var cp []byte
	if *cpFile != "" {
		if cp, err = os.ReadFile(*cpFile); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
	}
	var indexes []int64
	if n, err := strconv.ParseInt(pos[0], 10, 64); err == nil && n >= 0 {
		indexes = []int64{n}
	} else {
		err := audit.ReadRecords(*dir, func(i int64, rec audit.Record) error {
			if rec.RunID == pos[0] {
				indexes = append(indexes, i)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("reading %s: %w", *dir, err)
		}
		if len(indexes) == 0 {
			return fmt.Errorf("no record with index or run id %q in %s", pos[0], *dir)
		}
	}
	p, err := audit.Prove(*dir, indexes, cp, v)
	if err != nil {
		return withHint(err, "a record newer than the last checkpoint is proved after the next one: cordon audit checkpoint --dir %s", *dir)
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}

func runAuditCheckProof(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "audit check-proof", auditCheckProofUsage)
	key := fs.String("key", "", "verifier key")
	pos, ok, err := fs.parseInterspersed(args)
	if !ok || err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("audit check-proof", "want one proof file")
	}
	if *key == "" {
		return usagef("audit check-proof", "--key is required: a proof is only as good as the key you pin")
	}
	v, err := audit.LoadVerifier(*key)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(pos[0])
	if err != nil {
		return fmt.Errorf("proof: %w", err)
	}
	var p audit.Proof
	if err := json.Unmarshal(b, &p); err != nil {
		return fmt.Errorf("proof %s: %w", pos[0], err)
	}
	cp, recs, err := audit.CheckProof(&p, v)
	if err != nil {
		return fmt.Errorf("proof %s does not hold: %w", pos[0], err)
	}
	for k, rec := range recs {
		fmt.Fprintf(env.Stdout, "ok: record %d (%s, run %s, %s) is in the log of %d records signed by %s\n",
			p.Records[k].Index, rec.Kind, rec.RunID, rec.Time.UTC().Format("2006-01-02T15:04:05Z"), cp.Size, cp.Origin)
	}
	return nil
}
