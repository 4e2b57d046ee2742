package cordon

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cordonsec/cordon/audit"
	"github.com/cordonsec/cordon/policy"
)

// recorder is the audit layer's seam: start writes a run's start record
// (an error refuses the run; script reads the script exactly as it was
// loaded for the run, errAuditOff says the policy turned the layer off),
// end its end record with the final result.
type recorder interface {
	start(ctx context.Context, res *Result, job *Job, pol *policy.Policy, script io.ReaderAt) error
	end(ctx context.Context, res *Result) error
}

// auditor is the default recorder: it keeps one open log per audit dir
// (opened on first use, closed by Executor.Close with a final checkpoint)
// and writes a run's start record before the script runs — a start record
// that cannot be written refuses the run — and its end record, with one
// security-event record per refused syscall or limit event.
type auditor struct {
	mu   sync.Mutex
	logs map[string]*audit.Log // by audit dir
	runs map[string]auditRun   // by run id, between start and end
}

// auditRun is a run between its start and end records.
type auditRun struct {
	log    *audit.Log
	tenant string
}

func (a *auditor) log(pol *policy.Policy) (*audit.Log, error) {
	opts := audit.OptionsFromPolicy(pol.Audit)
	if opts.Dir == "" {
		opts.Dir = audit.DefaultDir()
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if l, ok := a.logs[opts.Dir]; ok {
		return l, nil
	}
	l, err := audit.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("audit log %s: %w", opts.Dir, err)
	}
	if a.logs == nil {
		a.logs, a.runs = map[string]*audit.Log{}, map[string]auditRun{}
	}
	a.logs[opts.Dir] = l
	return l, nil
}

// errAuditOff tells the executor the policy turned the audit layer off.
var errAuditOff = errors.New("audit disabled by the policy")

func (a *auditor) start(ctx context.Context, res *Result, job *Job, pol *policy.Policy, script io.ReaderAt) error {
	if !pol.Audit.Enabled {
		return errAuditOff
	}
	l, err := a.log(pol)
	if err != nil {
		return err
	}
	name := job.Name
	if job.Script != "" {
		name = job.Script
	}
	// Hash the bytes that run (the open file the work dir is filled from),
	// not the path, which may have been replaced since.
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(script, 0, 1<<62)); err != nil {
		return fmt.Errorf("hashing %s: %w", name, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	host, _ := os.Hostname()
	who := fmt.Sprint(os.Geteuid())
	if u, err := user.Current(); err == nil {
		who = u.Username
	}
	var planned []policy.Layer
	for l, st := range res.Layers {
		if st != LayerOff {
			planned = append(planned, l)
		}
	}
	sort.Slice(planned, func(i, j int) bool { return planned[i] < planned[j] })
	if _, err := l.Append(ctx, audit.Record{Kind: audit.KindRunStart, RunID: res.ID, Tenant: job.Tenant, Start: &audit.RunStart{
		Script: filepath.Base(name), ScriptSHA256: sum, PolicyHash: pol.Hash(),
		Tenant: job.Tenant, User: who, Client: job.Client, Host: host, Layers: planned, Inputs: inputsRecord(res.Inputs),
	}}); err != nil {
		return err
	}
	a.mu.Lock()
	a.runs[res.ID] = auditRun{log: l, tenant: job.Tenant}
	a.mu.Unlock()
	return nil
}

func (a *auditor) end(ctx context.Context, res *Result) error {
	a.mu.Lock()
	run := a.runs[res.ID]
	delete(a.runs, res.ID)
	a.mu.Unlock()
	l := run.log
	if l == nil {
		return nil
	}
	var errs []error
	for _, ev := range res.Events {
		if _, err := l.Append(ctx, audit.Record{Kind: audit.KindSecurityEvent, RunID: res.ID, Tenant: run.tenant,
			Event: &audit.SecurityEvent{Type: string(ev.Type), Message: ev.Message, Detail: ev.Detail}}); err != nil {
			errs = append(errs, err)
		}
	}
	sum := audit.FindingsSummary{Total: len(res.Findings), BySeverity: map[string]int{}}
	for _, f := range res.Findings {
		sum.BySeverity[f.Severity]++
		sum.Rules = append(sum.Rules, f.Rule)
	}
	outs, omitted := outputsRecord(res.Outputs)
	layers := map[policy.Layer]string{}
	for k, v := range res.Layers {
		layers[k] = string(v)
	}
	ent, err := l.Append(ctx, audit.Record{Kind: audit.KindRunEnd, RunID: res.ID, Tenant: run.tenant, Durable: true, End: &audit.RunEnd{
		Status: string(res.Status), ExitCode: res.ExitCode, Signal: res.Signal, Error: res.Error,
		Usage: audit.Usage{WallMS: res.Usage.WallMS, CPUUserMS: res.Usage.CPUUserMS, CPUSysMS: res.Usage.CPUSysMS, PeakMemoryBytes: res.Usage.PeakMemoryBytes}, Findings: sum, Layers: layers, Events: len(res.Events),
		Outputs: outs, OutputsOmitted: res.OutputsOmitted + omitted,
	}})
	if err != nil {
		errs = append(errs, err)
	} else {
		res.Audit = &AuditEntry{Index: ent.Index, LeafHash: ent.Hash.String()}
	}
	return errors.Join(errs...)
}

func inputsRecord(files []InputFile) []audit.Input {
	var out []audit.Input
	for _, f := range files {
		out = append(out, audit.Input(f))
	}
	return out
}

// Output files in the end record are bounded (maxRecordedPath bytes of
// each path, maxRecordedOutputs bytes in all): the script chose every
// name, and an end record past the log's line limit would not be written
// at all. What does not fit is counted in OutputsOmitted.
const (
	maxRecordedPath    = 1024
	maxRecordedOutputs = 256 << 10
)

func outputsRecord(files []OutputFile) (out []audit.Output, omitted int) {
	budget := maxRecordedOutputs
	for i, f := range files {
		o := audit.Output(f)
		if len(o.Path) > maxRecordedPath {
			o.Path = strings.ToValidUTF8(o.Path[:maxRecordedPath], "") + "..."
		}
		budget -= len(o.Path) + len(o.SHA256) + len(o.Refused) + 64
		if budget < 0 {
			return out, len(files) - i
		}
		out = append(out, o)
	}
	return out, 0
}

// endRecordTime bounds the wait for an end record's write once the run's
// own context has ended.
const endRecordTime = 10 * time.Second

// recordCtx is the context an end record is written under: a canceled run
// (SIGINT to the CLI, a caller's deadline) still gets its record, so the
// caller's cancellation is not passed on; the write is bounded instead.
func recordCtx(ctx context.Context) context.Context {
	c, cancel := context.WithTimeout(context.WithoutCancel(ctx), endRecordTime)
	context.AfterFunc(c, cancel)
	return c
}

// close closes every log the auditor opened (each writes a final
// checkpoint).
func (a *auditor) close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	var errs []error
	for dir, l := range a.logs {
		if err := l.Close(); err != nil {
			errs = append(errs, fmt.Errorf("audit log %s: %w", dir, err))
		}
	}
	a.logs = nil
	return errors.Join(errs...)
}

// auditRejected records a run refused before it started (blocked by
// analysis): its start and end records, so the log shows every attempt. The
// run is refused either way; a failure to record it becomes an event.
func (e *Executor) auditRejected(ctx context.Context, res *Result, job *Job, pol *policy.Policy, script io.ReaderAt) {
	if e.recorder == nil {
		return
	}
	switch err := e.recorder.start(ctx, res, job, pol, script); {
	case errors.Is(err, errAuditOff):
		return
	case err != nil:
		res.Events = append(res.Events, Event{Type: EventAuditFailed, Message: fmt.Sprintf("start record: %v", err)})
		return
	}
	res.Layers[policy.LayerAudit] = LayerActive
	if err := e.recorder.end(recordCtx(ctx), res); err != nil {
		res.Events = append(res.Events, Event{Type: EventAuditFailed, Message: fmt.Sprintf("end record: %v", err)})
	}
}
