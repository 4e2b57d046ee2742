//go:build linux

package cordon

// Running a job in a prepared sandbox, one named step after another:
// analysis (when the sandbox was prepared before its job), the audit
// start record, the egress proxy, the supervised run (package sandbox:
// hand-over, output caps, wall clock, CPU time, refusals, tree kill), the
// status decided from its evidence (decide), output files, the audit end
// record.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/cordonsec/cordon/policy"
	"github.com/cordonsec/cordon/sandbox"
	"github.com/cordonsec/cordon/sandbox/seccomp"
)

// maxRefusalEvents bounds the syscall-refused events kept for one run; the
// rest are counted in the last one.
const maxRefusalEvents = 64

func (p *Prepared) run(ctx context.Context, job *Job, in *input, an *analysisOutcome) (Result, error) {
	defer in.close()
	if p.used.Swap(true) {
		return Result{}, ErrUsed
	}
	defer p.release()
	if an == nil {
		// A prepared sandbox: analysis before hand-over (a cold Run did
		// it before spawning).
		var r Result
		var blocked bool
		var err error
		an, r, blocked, err = p.e.analyze(ctx, job, in, p.pol)
		if err != nil || blocked {
			if blocked {
				r.ID, r.Inputs = p.id, in.inputs
				p.e.auditRejected(ctx, &r, job, p.pol, in.files[0])
			}
			return r, err
		}
	}
	reached := progress{analyzed: an.ran}
	res := Result{ID: p.id, Layers: p.layersAt(reached), Events: append([]Event{}, p.events...),
		Findings: []Finding{}, Inputs: in.inputs}
	if an.ran {
		res.Findings = an.findings
	}
	res.Usage.Phases.AnalysisUS = an.us

	audited, err := p.recordStart(ctx, &res, job, in)
	if err != nil {
		return layerFailure(p.id, res.Layers, policy.LayerAudit, false, fmt.Errorf("start record: %w", err)), nil
	}
	reached.audited = audited
	res.Layers = p.layersAt(reached)

	log := &runLog{start: time.Now(), refusals: p.pol.Isolation.Refusals}
	egr, err := p.startEgress(log)
	if err != nil {
		r := layerFailure(p.id, res.Layers, policy.LayerNetwork, false, fmt.Errorf("egress proxy: %w", err))
		p.endAudit(ctx, &r)
		return r, nil
	}
	ev, err := p.sb.Supervise(ctx, p.task(job, in, egr != nil), in.files, bounds(p.pol),
		sandbox.Streams{Stdin: job.Stdin, Stdout: job.Stdout, Stderr: job.Stderr}, log)
	if egr != nil {
		// Connections still open are cut: the run is over.
		egr.stop()
	}
	if err != nil {
		r := p.notStarted(ctx, res, err)
		p.endAudit(ctx, &r)
		return r, ctx.Err()
	}
	reached.started = true
	res.Warm = p.sb.Warm()
	res.Layers = p.layersAt(reached)
	p.evidenceToResult(&res, ev, log)

	// Output files, once nothing of the sandbox runs.
	if job.OutputDir != "" && res.Status != StatusCanceled {
		if work := p.sb.WorkDir(); work != nil {
			collectOutputs(work, job, p.pol, in, &res)
		}
	}
	p.sandboxPhases(&res.Usage.Phases)
	t := time.Now()
	p.endAudit(ctx, &res)
	res.Usage.Phases.AuditEndUS = usSince(t)
	if res.Status == StatusCanceled {
		return res, ctx.Err()
	}
	return res, nil
}

// progress is how far a run got: its layers are reported from it.
type progress struct {
	analyzed bool // the analysis layer read every Python input
	audited  bool // the start record is written
	started  bool // the interpreter runs under every per-process layer
}

// layersAt returns the layer states of a run that got as far as r: each
// layer the run has reached in the state the plan decided for it (the
// plan `cordon doctor` prints), every other one off. A fresh map each
// time: a result's layers are its own.
func (p *Prepared) layersAt(r progress) map[policy.Layer]LayerState {
	m := offLayers()
	for _, l := range policy.Layers {
		if r.reached(l) {
			m[l] = p.plan.State(l)
		}
	}
	return m
}

// reached says whether a run that got as far as r has applied layer l:
// the namespaces, the root and the cgroup are the prepared sandbox's; the
// rest the interpreter's process applies to itself before execve.
func (r progress) reached(l policy.Layer) bool {
	switch l {
	case policy.LayerUserNS, policy.LayerPIDNS, policy.LayerMountNS, policy.LayerNetNS,
		policy.LayerIPCNS, policy.LayerUTSNS, policy.LayerRootfs, policy.LayerCgroup:
		return true
	case policy.LayerAnalysis:
		return r.analyzed
	case policy.LayerAudit:
		return r.audited
	}
	return r.started
}

// recordStart writes the audit start record; audited is false when the
// policy turned the audit layer off, and an error refuses the run.
func (p *Prepared) recordStart(ctx context.Context, res *Result, job *Job, in *input) (audited bool, err error) {
	rec := p.e.recorder
	if rec == nil {
		return false, nil
	}
	t := time.Now()
	err = rec.start(ctx, res, job, p.pol, in.files[0])
	res.Usage.Phases.AuditStartUS = usSince(t)
	switch {
	case errors.Is(err, errAuditOff):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}

// task is the interpreter's command line and environment for job.
func (p *Prepared) task(job *Job, in *input, proxied bool) sandbox.Task {
	argv := append([]string{p.rt.Exec}, p.pol.Runtime.Args...)
	if job.Unbuffered {
		// -u, not PYTHONUNBUFFERED: the default -E ignores PYTHON*.
		argv = append(argv, "-u")
	}
	argv = append(argv, sandbox.WorkDir+"/"+in.name)
	argv = append(argv, job.Args...)
	env := in.env
	if proxied {
		env = withProxyEnv(env)
	}
	task := sandbox.Task{Argv: argv, Env: env, Files: in.names}
	if p.sb.Warm() {
		// The waiting interpreter is told the script and its arguments.
		task.Script, task.Args, task.Unbuffered = sandbox.WorkDir+"/"+in.name, job.Args, job.Unbuffered
	}
	return task
}

// bounds are the limits the supervisor enforces from outside.
func bounds(pol *policy.Policy) sandbox.Bounds {
	return sandbox.Bounds{Wall: pol.Limits.WallTime.D(), CPU: pol.Limits.CPUTime.D(), Output: int64(pol.Limits.Output)}
}

// notStarted is the result of a run whose interpreter never started: the
// layer that failed, or canceled when the caller's context ended first.
func (p *Prepared) notStarted(ctx context.Context, res Result, err error) Result {
	r := internalError(p.id, res.Layers, "sandbox: %v", err)
	if se := (*sandbox.SetupError)(nil); errors.As(err, &se) && se.Layer != "" {
		r = layerFailure(p.id, res.Layers, se.Layer, false, err)
	}
	r.Events, r.Inputs = res.Events, res.Inputs
	if ctx.Err() != nil {
		r.Status, r.Error = StatusCanceled, "run canceled before the script started"
	}
	return r
}

// evidenceToResult fills the result of a run that started: usage, output,
// events, and the status decided from the evidence.
func (p *Prepared) evidenceToResult(res *Result, ev sandbox.Evidence, log *runLog) {
	res.Usage.WallMS = ev.Usage.Wall.Milliseconds()
	res.Usage.CPUUserMS = ev.Usage.CPUUser.Milliseconds()
	res.Usage.CPUSysMS = ev.Usage.CPUSys.Milliseconds()
	res.Usage.PeakMemoryBytes = ev.Usage.PeakMemory
	res.Stdout, res.Stderr = ev.Stdout.Text, ev.Stderr.Text
	res.Truncated = Truncated{Stdout: ev.Stdout.Cut, Stderr: ev.Stderr.Cut}
	events, dangerous := log.taken()
	res.Events = append(res.Events, events...)
	res.Events = append(res.Events, missingPrograms(res.Stderr)...)
	decide(res, p.pol, ev, dangerous)
}

// runLog gathers a run's events as they happen (seccomp refusals, the
// egress proxy's attempts) and applies each refused call's class action
// (policy.Refusals): it is the run's sandbox.Observer.
type runLog struct {
	start    time.Time
	refusals policy.Refusals

	mu        sync.Mutex
	events    []Event
	refused   int
	dangerous int
}

func (l *runLog) event(ev Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ev.TimeMS = since(l.start)
	l.events = append(l.events, ev)
}

// taken returns the events and the count of refusals that make the run a
// security violation.
func (l *runLog) taken() ([]Event, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.events, l.dangerous
}

// Refused records a refused call and applies its class's action: every
// refusal is an event (up to maxRefusalEvents) and in the audit log;
// "violation" and "kill" make the status security-violation, "kill" also
// ends the run at once.
func (l *runLog) Refused(r seccomp.Refusal) (end bool) {
	act := l.refusals.Action(r.Class)
	violation := act != policy.RefusalRecord
	l.mu.Lock()
	l.refused++
	if violation {
		l.dangerous++
	}
	n := l.refused
	l.mu.Unlock()
	if n <= maxRefusalEvents {
		l.event(Event{
			Type:    EventSyscallRefused,
			Message: fmt.Sprintf("%s refused: %s", r.Name, r.Reason),
			Detail: map[string]any{
				"syscall": r.Name, "kind": string(r.Kind), "class": r.Class, "action": string(act),
				"dangerous": violation, "errno": r.Errno.Error(),
			},
		})
	}
	return act == policy.RefusalKill
}

// maxAnalyzed bounds the script bytes handed to analysis.
const maxAnalyzed = 4 << 20

// analysisOutcome is what the analysis layer said of a job that may run.
type analysisOutcome struct {
	ran      bool
	findings []Finding
	us       int64 // how long it took
}

// analyze runs the analysis stage, if any: a blocking finding gives a
// rejected result (and blocked true).
func (e *Executor) analyze(ctx context.Context, job *Job, in *input, pol *policy.Policy) (*analysisOutcome, Result, bool, error) {
	if e.analyzer == nil {
		return &analysisOutcome{}, Result{}, false, nil
	}
	start := time.Now()
	findings := []Finding{}
	var blockedBy []string
	for i, f := range in.files {
		if i > 0 && !isPythonInput(in.names[i]) {
			continue
		}
		name := analysisName(job, i)
		src := make([]byte, maxAnalyzed)
		n, err := f.ReadAt(src, 0)
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, Result{}, false, fmt.Errorf("reading %s for analysis: %w", name, err)
		}
		got, block, err := e.analyzer.analyze(ctx, name, src[:n], pol)
		if err != nil {
			return nil, Result{}, false, fmt.Errorf("analysis: %w", err)
		}
		findings = append(findings, got...)
		if block {
			blockedBy = append(blockedBy, name)
		}
	}
	if len(blockedBy) == 0 {
		return &analysisOutcome{ran: true, findings: findings, us: usSince(start)}, Result{}, false, nil
	}
	layers := offLayers()
	layers[policy.LayerAnalysis] = LayerActive
	return nil, Result{ID: newID(), Status: StatusRejected, ExitCode: -1,
		Error:  "blocked by static analysis of " + strings.Join(blockedBy, ", "),
		Layers: layers, Events: []Event{}, Findings: findings,
		Usage: Usage{Phases: Phases{AnalysisUS: usSince(start)}}}, true, nil
}

// isPythonInput reports whether an input file (by its name in the work
// dir) is Python the script may import, and is analysed like the script.
func isPythonInput(name string) bool {
	return strings.HasSuffix(name, ".py") || strings.HasSuffix(name, ".pyw")
}

// analysisName is the name findings on input i (0: the script) carry: the
// path the caller gave.
func analysisName(job *Job, i int) string {
	if i > 0 {
		return job.Files[i-1]
	}
	switch {
	case job.Script != "":
		return job.Script
	case job.Name != "":
		return job.Name
	}
	return "script.py"
}

// endAudit writes the end record of a run that got its start record (a
// start record is never left without its end); a failure to write it
// becomes an event.
func (p *Prepared) endAudit(ctx context.Context, res *Result) {
	if rec := p.e.recorder; rec != nil {
		if err := rec.end(recordCtx(ctx), res); err != nil {
			res.Events = append(res.Events, Event{Type: EventAuditFailed, Message: fmt.Sprintf("end record: %v", err)})
		}
	}
}
