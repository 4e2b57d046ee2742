package audit_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/cordonsec/cordon/audit"
	"github.com/cordonsec/cordon/policy"
)

func Example() {
	dir, _ := os.MkdirTemp("", "audit-example-")
	defer os.RemoveAll(dir)
	opts := audit.OptionsFromPolicy(policy.Default().Audit)
	opts.Dir = filepath.Join(dir, "audit")
	l, err := audit.Open(opts)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	// The start record is durable when Append returns; if it fails, the
	// run must not start.
	e, err := l.Append(ctx, audit.Record{Kind: audit.KindRunStart, RunID: "r1",
		Start: &audit.RunStart{Script: "job.py", ScriptSHA256: "9f86d081", PolicyHash: "p"}})
	if err != nil {
		log.Fatal(err)
	}
	l.Append(ctx, audit.Record{Kind: audit.KindRunEnd, RunID: "r1", End: &audit.RunEnd{Status: "ok"}})
	if err := l.Close(); err != nil { // signs a final checkpoint
		log.Fatal(err)
	}
	key, _ := audit.LoadVerifier(filepath.Join(opts.Dir, "checkpoint.pub"))
	rep, err := audit.Verify(opts.Dir, audit.VerifyOptions{Key: key})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(e.Index, rep.Records, rep.Clean())
	// Output: 0 2 true
}
