//go:build linux

package cordon

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cordonsec/cordon/audit"
	"github.com/cordonsec/cordon/policy"
)

// analyzerFunc and recorderFuncs let a test stand in for the analysis
// and audit layers.
type analyzerFunc func(ctx context.Context, name string, src []byte, pol *policy.Policy) ([]Finding, bool, error)

func (f analyzerFunc) analyze(ctx context.Context, name string, src []byte, pol *policy.Policy) ([]Finding, bool, error) {
	return f(ctx, name, src, pol)
}

type recorderFuncs struct {
	startFn func(ctx context.Context, res *Result, job *Job, pol *policy.Policy, script io.ReaderAt) error
	endFn   func(ctx context.Context, res *Result) error
}

func (r recorderFuncs) start(ctx context.Context, res *Result, job *Job, pol *policy.Policy, script io.ReaderAt) error {
	return r.startFn(ctx, res, job, pol, script)
}
func (r recorderFuncs) end(ctx context.Context, res *Result) error { return r.endFn(ctx, res) }

// TestStages: the analysis and audit seams are called at their places,
// and their refusals stop the run.
func TestStages(t *testing.T) {
	needPython(t)
	block := func(_ context.Context, _ string, src []byte, _ *policy.Policy) ([]Finding, bool, error) {
		f := Finding{Rule: "test", Severity: "high", Message: "saw " + strings.TrimSpace(string(src))}
		return []Finding{f}, strings.Contains(string(src), "evil"), nil
	}
	ex, _ := NewExecutor(Options{})
	ex.analyzer = analyzerFunc(block)
	var ends int
	ex.recorder = recorderFuncs{startFn: ex.recorder.start, endFn: func(_ context.Context, r *Result) error { ends++; return nil }}

	res, err := ex.Run(context.Background(), Job{Source: []byte("evil()"), Policy: testPolicy()})
	if err != nil || res.Status != StatusRejected || len(res.Findings) != 1 || res.Layers[policy.LayerAnalysis] != LayerActive {
		t.Fatalf("blocked: %v %s %+v", err, res.Status, res.Findings)
	}
	if res.Layers[policy.LayerUserNS] != LayerOff {
		t.Fatalf("a rejected job was spawned: %v", res.Layers)
	}
	res, err = ex.Run(context.Background(), Job{Source: []byte(`print("fine")`), Policy: testPolicy()})
	if err != nil || res.Status != StatusOK || len(res.Findings) != 1 || res.Findings[0].Message != `saw print("fine")` {
		t.Fatalf("not blocked: %v %s %+v", err, res.Status, res.Findings)
	}
	if ends != 1 {
		t.Fatalf("audit end called %d times", ends)
	}
	p, err := ex.Prepare(context.Background(), testPolicy())
	if err != nil {
		t.Fatal(err)
	}
	res, err = p.Run(context.Background(), Job{Source: []byte("evil()")})
	if err != nil || res.Status != StatusRejected {
		t.Fatalf("prepared, blocked: %v %s", err, res.Status)
	}

	ex.analyzer = nil
	ex.recorder = recorderFuncs{startFn: func(context.Context, *Result, *Job, *policy.Policy, io.ReaderAt) error {
		return errors.New("disk full")
	}, endFn: ex.recorder.end}
	res, err = ex.Run(context.Background(), Job{Source: []byte(`print("never")`), Policy: testPolicy()})
	if err != nil || res.Status != StatusInternalError || !strings.Contains(res.Error, "audit") || res.Stdout != "" {
		t.Fatalf("audit start refused: %v %s %q %q", err, res.Status, res.Error, res.Stdout)
	}
}

// TestAnalysisBlocks: with the default stages, a script whose finding
// reaches the block threshold is rejected before anything runs (its
// payload would create a canary file in the work dir), and a waiver for
// that rule lets it run.
func TestAnalysisBlocks(t *testing.T) {
	ex, err := NewExecutor(Options{})
	if err != nil {
		t.Fatal(err)
	}
	src := "import base64\nexec(base64.b64decode('cHJpbnQoJ1BXTkVEJyk='))\n" // print('PWNED')
	p := testPolicy()
	p.Analysis.Block = policy.SeverityHigh
	res, err := ex.Run(context.Background(), Job{Source: []byte(src), Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusRejected || len(res.Findings) == 0 || strings.Contains(res.Stdout, "PWNED") {
		t.Fatalf("want rejected with findings and no output, got %s %+v stdout %q", res.Status, res.Findings, res.Stdout)
	}
	p.Analysis.Allow = []policy.RuleAllow{{Rule: res.Findings[0].Rule}}
	res, err = ex.Run(context.Background(), Job{Source: []byte(src), Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusOK || !strings.Contains(res.Stdout, "PWNED") || res.Layers[policy.LayerAnalysis] != LayerActive {
		t.Fatalf("want the waived script to run, got %s stdout %q layers %v", res.Status, res.Stdout, res.Layers)
	}
}

// TestAuditRecords: with the default stages, a run writes a durable start
// record before the script runs and an end record (plus its events) after,
// the log verifies clean with its key after Close, and the audit layer is
// reported active; an audit dir that cannot be written refuses the run.
func TestAuditRecords(t *testing.T) {
	ex, err := NewExecutor(Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := testPolicy()
	p.Audit.Enabled = true
	p.Audit.Dir = dir
	res, err := ex.Run(context.Background(), Job{Source: []byte("print('hi')\n"), Policy: p, ID: "0123456789abcdef", Tenant: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusOK || res.Layers[policy.LayerAudit] != LayerActive {
		t.Fatalf("want ok with audit active, got %s %v", res.Status, res.Layers)
	}
	if res.ID != "0123456789abcdef" || res.Audit == nil {
		t.Fatalf("want the job's id and the end record's place, got %q %+v", res.ID, res.Audit)
	}
	if err := ex.Close(); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("print('hi')\n"))
	want := hex.EncodeToString(sum[:])
	var kinds []string
	if err := audit.ReadRecords(dir, func(i int64, r audit.Record) error {
		if r.RunID == res.ID {
			kinds = append(kinds, string(r.Kind))
			if r.Tenant != "acme" || (r.Start != nil && r.Start.Tenant != "acme") {
				t.Errorf("%s record without the job's tenant: %+v", r.Kind, r)
			}
			if r.Kind == audit.KindRunEnd && i != res.Audit.Index {
				t.Errorf("end record at %d, result says %d", i, res.Audit.Index)
			}
			if r.Start != nil && r.Start.ScriptSHA256 != want {
				t.Errorf("start record script_sha256 %s, want %s", r.Start.ScriptSHA256, want)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(kinds) < 2 || kinds[0] != string(audit.KindRunStart) || kinds[len(kinds)-1] != string(audit.KindRunEnd) {
		t.Fatalf("records of run %s: %v", res.ID, kinds)
	}

	// Fail closed: a file where the audit dir should be.
	blocked := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(blocked, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	p.Audit.Dir = blocked
	ex2, _ := NewExecutor(Options{})
	defer ex2.Close()
	res, err = ex2.Run(context.Background(), Job{Source: []byte("open('/work/ran','w')\n"), Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusInternalError || !strings.Contains(res.Error, "audit") {
		t.Fatalf("want internal-error naming audit, got %s %q", res.Status, res.Error)
	}
}

// TestCanceledKeepsRecord: a run whose context ends while the script runs
// (the CLI's SIGINT) is canceled, its tree killed, and its end record is
// in the log with that status (it was lost with "context canceled").
func TestCanceledKeepsRecord(t *testing.T) {
	needPython(t)
	ex, err := NewExecutor(Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := testPolicy()
	p.Audit.Enabled = true
	p.Audit.Dir = dir
	ctx, cancel := context.WithCancel(context.Background())
	started := &signalWriter{seen: "started", ch: make(chan struct{})}
	go func() { <-started.ch; cancel() }()
	res, err := ex.Run(ctx, Job{Source: []byte("import time, sys\nprint('started', flush=True)\ntime.sleep(60)\n"),
		Policy: p, Stdout: started})
	if !errors.Is(err, context.Canceled) || res.Status != StatusCanceled {
		t.Fatalf("want canceled with context.Canceled, got %s %v", res.Status, err)
	}
	for _, e := range res.Events {
		if e.Type == "audit-failed" {
			t.Fatalf("end record lost: %s", e.Message)
		}
	}
	if err := ex.Close(); err != nil {
		t.Fatal(err)
	}
	var status string
	if err := audit.ReadRecords(dir, func(_ int64, r audit.Record) error {
		if r.RunID == res.ID && r.End != nil {
			status = r.End.Status
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if status != string(StatusCanceled) {
		t.Fatalf("end record status %q, want canceled", status)
	}
}

// signalWriter closes ch once the text seen was written to it.
type signalWriter struct {
	mu   sync.Mutex
	buf  []byte
	seen string
	ch   chan struct{}
	done bool
}

func (w *signalWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, b...)
	if !w.done && strings.Contains(string(w.buf), w.seen) {
		w.done = true
		close(w.ch)
	}
	return len(b), nil
}
