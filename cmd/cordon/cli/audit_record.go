package cli

// `cordon audit record`: append records given as JSON lines on stdin
// (for tools outside cordon run that must leave a trace, and for tests).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/cordonsec/cordon/audit"
)

const auditRecordUsage = `Usage:
    cordon audit record [--dir DIR] < records.jsonl

Appends one record per JSON line of stdin, each like
    {"kind":"security-event","run_id":"r1","event":{"type":"manual","message":"..."}}
with kind run-start (body "start"), run-end ("end") or security-event
("event"); the time is the time of the append. Prints each record's
index and leaf hash. A record that cannot be written durably is an error.

Examples:
    echo '{"kind":"security-event","event":{"type":"key-rotated"}}' | cordon audit record
`

func init() {
	registerAudit("record", "append records given as JSON lines on stdin", runAuditRecord)
}

func runAuditRecord(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "audit record", auditRecordUsage)
	key := fs.String("key", "", "signing key file")
	dirOpt := fs.dirFlag()
	if ok, err := fs.parseNoArgs(args); !ok {
		return err
	}
	dir := *dirOpt
	l, err := openAuditFromFlags(dir, *key, "")
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(env.Stdin)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		var rec audit.Record
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rec); err != nil {
			l.Close()
			return fmt.Errorf("stdin line %d: %w", line, err)
		}
		rec.Durable = true
		e, err := l.Append(ctx, rec)
		if err != nil {
			l.Close()
			return fmt.Errorf("stdin line %d: %w", line, err)
		}
		fmt.Fprintf(env.Stdout, "%d %s\n", e.Index, e.Hash)
	}
	if err := sc.Err(); err != nil {
		l.Close()
		return fmt.Errorf("reading stdin: %w", err)
	}
	return l.Close()
}
