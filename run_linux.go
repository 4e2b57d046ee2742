//go:build linux

package cordon

// Running a job in a prepared sandbox: hand-over, output capture with caps,
// stdin, the wall clock, seccomp refusals, and the status decided from
// evidence (wait status, cgroup counters, rusage, what the supervisor did).

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cordonsec/cordon/policy"
	"github.com/cordonsec/cordon/sandbox"
	"github.com/cordonsec/cordon/sandbox/cgroup"
	"github.com/cordonsec/cordon/sandbox/seccomp"
)

// maxRefusalEvents bounds the syscall-refused events kept for one run; the
// rest are counted in the last one.
const maxRefusalEvents = 64

// why the supervisor ended a run itself.
type killReason int

const (
	notKilled killReason = iota
	killedTimeout
	killedOutput
	killedCanceled
	killedCPU
	killedViolation // a refusal whose class the policy ends the run for
)

// cpuPoll is how often the cgroup's CPU time is compared with the limit.
// RLIMIT_CPU bounds each process; the tree as a whole is bounded here.
const cpuPoll = 100 * time.Millisecond

type supervisor struct {
	sb       *sandbox.Sandbox
	start    time.Time
	refusals policy.Refusals // what each class of refused call does to the run

	mu        sync.Mutex
	reason    killReason
	events    []Event
	refused   int
	dangerous int
}

func (s *supervisor) kill(r killReason) {
	s.mu.Lock()
	if s.reason == notKilled {
		s.reason = r
	}
	s.mu.Unlock()
	_ = s.sb.Kill()
}

func (s *supervisor) event(ev Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ev.TimeMS = since(s.start)
	s.events = append(s.events, ev)
}

func (p *Prepared) run(ctx context.Context, job *Job, in *input, an *analysisOutcome) (Result, error) {
	defer in.close()
	if p.used.Swap(true) {
		return Result{}, ErrUsed
	}
	defer p.release()
	pol := p.pol
	res := Result{ID: p.id, Layers: p.layers, Events: append([]Event{}, p.events...), Findings: []Finding{}, Inputs: in.inputs}

	// Stage: static analysis, before hand-over (a cold Run did it before
	// spawning).
	if an == nil {
		var r Result
		var blocked bool
		var err error
		an, r, blocked, err = p.e.analyze(ctx, job, in, pol)
		if err != nil || blocked {
			if blocked {
				r.ID, r.Inputs = p.id, in.inputs
				p.e.auditRejected(ctx, &r, job, pol, in.files[0])
			}
			return r, err
		}
	}
	if an.ran {
		res.Findings = an.findings
		p.layers[policy.LayerAnalysis] = LayerActive
	}
	res.Usage.Phases.AnalysisUS = an.us
	// Stage: the audit start record; failing to write it refuses the run.
	if rec := p.e.recorder; rec != nil {
		t := time.Now()
		err := rec.start(ctx, &res, job, pol, in.files[0])
		res.Usage.Phases.AuditStartUS = usSince(t)
		switch {
		case errors.Is(err, errAuditOff):
			// The policy turned the audit layer off: it stays reported off.
		case err != nil:
			r := layerFailure(p.id, p.layers, policy.LayerAudit, false, fmt.Errorf("start record: %w", err))
			return r, nil
		default:
			p.layers[policy.LayerAudit] = LayerActive
		}
	}

	argv := append([]string{p.rt.Exec}, pol.Runtime.Args...)
	if job.Unbuffered {
		// -u, not PYTHONUNBUFFERED: the default -E ignores PYTHON*.
		argv = append(argv, "-u")
	}
	argv = append(argv, sandbox.WorkDir+"/"+in.name)
	argv = append(argv, job.Args...)
	task := sandbox.Task{Argv: argv, Env: in.env, Files: in.names}
	if p.sb.Warm() {
		task.Script, task.Args, task.Unbuffered = sandbox.WorkDir+"/"+in.name, job.Args, job.Unbuffered
		res.Warm = true
	}

	s := &supervisor{sb: p.sb, start: time.Now(), refusals: pol.Isolation.Refusals}
	// Stage: the egress proxy (network mode allowlist), serving before
	// the script can connect.
	var egr *egressRun
	if pol.Network.Mode == policy.NetworkAllowlist {
		var err error
		if egr, err = p.startEgress(s); err != nil {
			r := layerFailure(p.id, p.layers, policy.LayerNetwork, false, fmt.Errorf("egress proxy: %w", err))
			p.endAudit(ctx, &r)
			return r, nil
		}
		task.Env = withProxyEnv(task.Env)
	}
	outLimit := int64(pol.Limits.Output)
	stdout := newCapture(outLimit, job.Stdout, func() { s.kill(killedOutput) })
	stderr := newCapture(outLimit, job.Stderr, func() { s.kill(killedOutput) })
	var drains sync.WaitGroup
	drains.Add(2)
	go func() { defer drains.Done(); stdout.drain(p.sb.Stdout()) }()
	go func() { defer drains.Done(); stderr.drain(p.sb.Stderr()) }()
	// The live copies go out at the reader's pace; the run returns once
	// they are delivered (or its context ends).
	defer stdout.delivered(ctx)
	defer stderr.delivered(ctx)
	go feedStdin(p.sb.Stdin(), job.Stdin)

	// A cancellation (the CLI's SIGINT or SIGTERM) while the init copies
	// the inputs ends the sandbox too: the run is over, its record is not.
	stopCtx := context.AfterFunc(ctx, func() { s.kill(killedCanceled) })
	defer stopCtx()
	// A warm interpreter's usage so far is not the job's.
	cgBase := p.cgroupBaseline()
	if err := p.sb.Run(task, in.files); err != nil {
		s.kill(killedCanceled)
		p.sb.Wait()
		drains.Wait()
		if egr != nil {
			egr.stop()
		}
		r := internalError(p.id, p.layers, "sandbox: %v", err)
		if se := (*sandbox.SetupError)(nil); errors.As(err, &se) && se.Layer != "" {
			r = layerFailure(p.id, p.layers, se.Layer, false, err)
		}
		r.Events, r.Inputs = res.Events, res.Inputs
		if ctx.Err() != nil {
			r.Status, r.Error = StatusCanceled, "run canceled before the script started"
		}
		p.endAudit(ctx, &r)
		return r, ctx.Err()
	}
	for _, l := range []policy.Layer{policy.LayerCgroupNS, policy.LayerNoNewPrivs, policy.LayerCaps,
		policy.LayerRlimits, policy.LayerSeccomp} {
		p.layers[l] = LayerActive
	}
	if networkActive(pol) {
		p.layers[policy.LayerNetwork] = LayerActive
	}
	if p.sb.LandlockABI() > 0 {
		p.layers[policy.LayerLandlock] = LayerActive
	}

	// Seccomp refusals arrive on the listener the interpreter's process
	// passed before execve.
	serveCtx, stopServe := context.WithCancel(context.Background())
	var served sync.WaitGroup
	served.Add(1)
	go func() {
		defer served.Done()
		select {
		case fd := <-p.sb.Listener():
			_ = seccomp.Serve(serveCtx, fd, s.refusal)
			unix.Close(fd)
		case <-p.sb.Done():
		case <-serveCtx.Done():
		}
	}()

	wall := time.AfterFunc(pol.Limits.WallTime.D(), func() { s.kill(killedTimeout) })
	var tree *treeWatch
	if p.group != nil {
		go watchCPU(p.group, pol.Limits.CPUTime.D()+cgBase.CPUUser+cgBase.CPUSystem, s, p.sb.Done())
	} else {
		tree = &treeWatch{}
		b := p.sb.Baseline()
		go tree.watch(p.sb, pol.Limits.CPUTime.D()+time.Duration(b.UserUS+b.SysUS)*time.Microsecond, s)
	}
	ex := p.sb.Wait()
	wall.Stop()
	stopCtx()
	drains.Wait()
	// Refusals already queued are reported before the listener closes.
	stopServe()
	served.Wait()
	if egr != nil {
		// Connections still open are cut: the run is over.
		egr.stop()
	}

	res.Usage.WallMS = since(s.start)
	var st cgroup.Stats
	if p.group != nil {
		_ = p.group.Kill()
		st, _ = p.group.Stats()
	}
	res.Usage.CPUUserMS = ex.UserUS / 1000
	res.Usage.CPUSysMS = ex.SysUS / 1000
	res.Usage.PeakMemoryBytes = ex.MaxRSSKB * 1024
	var tr treeSeen
	if tree != nil {
		// Without the cgroup: the sampled tree, which is all there is
		// of a run the init could not report (killed).
		tr = tree.seen()
		if !ex.Reported || tr.CPUMS > res.Usage.CPUUserMS+res.Usage.CPUSysMS {
			res.Usage.CPUUserMS, res.Usage.CPUSysMS = tr.CPUMS, 0
		}
		res.Usage.PeakMemoryBytes = max(res.Usage.PeakMemoryBytes, tr.PeakRSS)
	}
	if p.group != nil {
		if st.CPUUser+st.CPUSystem > 0 {
			res.Usage.CPUUserMS = st.CPUUser.Milliseconds()
			res.Usage.CPUSysMS = st.CPUSystem.Milliseconds()
		}
		if st.MemoryPeak > 0 {
			res.Usage.PeakMemoryBytes = int64(st.MemoryPeak)
		}
	}
	if p.sb.Warm() {
		subtractBaseline(&res.Usage, p.sb.Baseline(), cgBase, p.group != nil)
	}
	res.Stdout, res.Stderr = stdout.text(), stderr.text()
	res.Truncated = Truncated{Stdout: stdout.cut(), Stderr: stderr.cut()}
	s.mu.Lock()
	res.Events = append(res.Events, s.events...)
	reason, dangerous := s.reason, s.dangerous
	s.mu.Unlock()
	res.Events = append(res.Events, missingPrograms(res.Stderr)...)
	decide(&res, pol, ex, st, tr, reason, dangerous)
	// Stage: output files, once nothing of the sandbox runs.
	if job.OutputDir != "" && res.Status != StatusCanceled {
		if work := p.sb.WorkDir(); work != nil {
			collectOutputs(work, job, pol, in, &res)
		}
	}

	p.sandboxPhases(&res.Usage.Phases)
	// Stage: the audit end record.
	t := time.Now()
	p.endAudit(ctx, &res)
	res.Usage.Phases.AuditEndUS = usSince(t)
	var err error
	if res.Status == StatusCanceled {
		err = ctx.Err()
	}
	return res, err
}

// treeWatch samples a sandbox's process tree from /proc when there is no
// cgroup to count it (the degraded cgroup layer).
type treeWatch struct {
	mu sync.Mutex
	tr treeSeen
}

// treeSeen is what the samples saw: the most tasks at once, the last CPU
// time of the tree and the highest resident memory.
type treeSeen struct {
	MaxTasks int
	CPUMS    int64
	PeakRSS  int64
}

// watch samples the tree every cpuPoll until the sandbox ends, and kills
// it when the tree's CPU time reaches limit (RLIMIT_CPU bounds each
// process only).
func (w *treeWatch) watch(sb *sandbox.Sandbox, limit time.Duration, s *supervisor) {
	t := time.NewTicker(cpuPoll)
	defer t.Stop()
	for {
		select {
		case <-sb.Done():
			return
		case <-t.C:
		}
		smp := sb.SampleTree()
		w.mu.Lock()
		w.tr.MaxTasks = max(w.tr.MaxTasks, smp.Tasks)
		w.tr.CPUMS = max(w.tr.CPUMS, smp.CPUMS)
		w.tr.PeakRSS = max(w.tr.PeakRSS, smp.RSSBytes)
		w.mu.Unlock()
		if time.Duration(smp.CPUMS)*time.Millisecond >= limit {
			s.kill(killedCPU)
			return
		}
	}
}

func (w *treeWatch) seen() treeSeen {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.tr
}

// watchCPU kills the sandbox when the CPU time of its whole tree (the
// cgroup's, dead processes included) reaches limit.
func watchCPU(g *cgroup.Group, limit time.Duration, s *supervisor, done <-chan struct{}) {
	t := time.NewTicker(cpuPoll)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			st, err := g.Stats()
			if err == nil && st.CPUUser+st.CPUSystem >= limit {
				s.kill(killedCPU)
				return
			}
		}
	}
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

func feedStdin(w *os.File, r io.Reader) {
	if r != nil {
		_, _ = io.Copy(w, r)
	}
	w.Close()
}

// refusal records a refused call and applies its class's action
// (policy.Refusals): every refusal is an event (up to maxRefusalEvents)
// and in the audit log; "violation" and "kill" make the status
// security-violation, "kill" also ends the run at once.
func (s *supervisor) refusal(r seccomp.Refusal) {
	act := s.refusals.Action(r.Class)
	violation := act != policy.RefusalRecord
	s.mu.Lock()
	s.refused++
	if violation {
		s.dangerous++
	}
	n := s.refused
	s.mu.Unlock()
	if act == policy.RefusalKill {
		s.kill(killedViolation)
	}
	if n > maxRefusalEvents {
		return
	}
	s.event(Event{
		Type:    EventSyscallRefused,
		Message: fmt.Sprintf("%s refused: %s", r.Name, r.Reason),
		Detail: map[string]any{
			"syscall": r.Name, "kind": string(r.Kind), "class": r.Class, "action": string(act),
			"dangerous": violation, "errno": r.Errno.Error(),
		},
	})
}

// cpuLimitSignal reports whether a death by sig is RLIMIT_CPU's, given
// the CPU time measured (cpuMS) and the limit: SIGKILL (the hard limit,
// one second above the soft one) with the CPU time at the limit, or
// SIGXCPU (the soft limit) — which the seccomp filter keeps the script
// from sending — with at least half the limit measured (the kernel counts
// RLIMIT_CPU in scheduler ticks, which on a loaded host overcount: 2 s of
// ticks measured 1.65 s of run time in rusage).
func cpuLimitSignal(sig syscall.Signal, cpuMS, limitMS int64) bool {
	switch sig {
	case syscall.SIGXCPU:
		return cpuMS*2 >= limitMS
	case syscall.SIGKILL:
		return cpuMS >= limitMS
	}
	return false
}

// decide sets the status from the evidence, most specific first. Only
// evidence the script cannot forge decides a limit status: the
// supervisor's own kills, cgroup counters, CPU time measured by the kernel,
// and a SIGXFSZ death (which only the kernel's file-size refusal can
// cause).
func decide(res *Result, pol *policy.Policy, ex sandbox.Exit, st cgroup.Stats, tr treeSeen, reason killReason, dangerous int) {
	ws := ex.WaitStatus
	res.ExitCode = -1
	if ex.Reported {
		if ws.Exited() {
			res.ExitCode = ws.ExitStatus()
		} else if ws.Signaled() {
			res.Signal = unix.SignalName(ws.Signal())
		}
	}
	limitEvent := func(t EventType, msg string) {
		res.Events = append(res.Events, Event{Type: t, TimeMS: res.Usage.WallMS, Message: msg})
	}
	cpuMS := res.Usage.CPUUserMS + res.Usage.CPUSysMS
	if !ex.Reported && reason == notKilled {
		// Never silent: whatever the status, the init's death is told.
		limitEvent(EventInitDied, initDeath(ex))
	}
	switch {
	case reason == killedViolation:
		res.Status = StatusSecurityViolation
		limitEvent(EventSecurityViolation, "a refused system call whose class the policy ends the run for (isolation.refusals); every process killed")
	case reason == killedTimeout:
		res.Status = StatusTimeout
		limitEvent(EventTimeout, fmt.Sprintf("wall clock of %s reached; every process killed", pol.Limits.WallTime))
	case reason == killedOutput:
		res.Status = StatusOutputLimit
		limitEvent(EventOutputLimit, fmt.Sprintf("output beyond %s; every process killed", pol.Limits.Output))
	case reason == killedCPU:
		res.Status = StatusCPULimit
		limitEvent(EventCPULimit, fmt.Sprintf("CPU time limit %s reached by the process tree; every process killed", pol.Limits.CPUTime))
	case reason == killedCanceled && !ex.Reported:
		// Canceled while the script ran. Had the interpreter already
		// ended, its evidence decides below.
		res.Status = StatusCanceled
		res.Error = "run canceled"
	case !ex.Reported && st.OOMKills == 0 && st.PidsMaxHits == 0:
		res.Status = StatusInternalError
		res.Error = initDeath(ex)
	case st.OOMKills > 0:
		res.Status = StatusMemoryLimit
		limitEvent(EventMemoryLimit, fmt.Sprintf("memory limit %s reached (%d OOM kills)", pol.Limits.Memory, st.OOMKills))
	case dangerous > 0:
		res.Status = StatusSecurityViolation
	case st.PidsMaxHits > 0:
		res.Status = StatusPidsLimit
		limitEvent(EventPidsLimit, fmt.Sprintf("process limit %d reached (%d forks refused)", pol.Limits.Processes, st.PidsMaxHits))
	case tr.MaxTasks >= pol.Limits.Processes && (ws.Signaled() || ws.ExitStatus() != 0):
		// Degraded: RLIMIT_NPROC refuses forks silently; the sampled
		// tree at the limit and a failed run are the evidence.
		res.Status = StatusPidsLimit
		limitEvent(EventPidsLimit, fmt.Sprintf("process limit %d reached (%d tasks seen; RLIMIT_NPROC refuses more)", pol.Limits.Processes, tr.MaxTasks))
	case ws.Signaled() && cpuLimitSignal(ws.Signal(), cpuMS, pol.Limits.CPUTime.D().Milliseconds()):
		res.Status = StatusCPULimit
		limitEvent(EventCPULimit, fmt.Sprintf("CPU time limit %s reached (%d ms used)", pol.Limits.CPUTime, cpuMS))
	case ws.Signaled() && ws.Signal() == syscall.SIGXFSZ:
		// Only the kernel can send SIGXFSZ and the script cannot ignore
		// it (the seccomp filter), so this is RLIMIT_FSIZE's refusal.
		res.Status = StatusFileSizeLimit
		limitEvent(EventFileSizeLimit, fmt.Sprintf("file size limit %s reached", pol.Limits.FileSize))
	case ws.Signaled():
		res.Status = StatusSignaled
	case ws.ExitStatus() != 0:
		res.Status = StatusExitNonzero
	default:
		res.Status = StatusOK
	}
}

// initDeath says how the sandbox's init died without reporting the
// interpreter's exit: how it ended and the first line of what it wrote (a
// Go runtime crash names its cause there).
func initDeath(ex sandbox.Exit) string {
	msg := "the sandbox's init ended without reporting the interpreter's exit"
	if ex.InitEnd != "" {
		msg += " (" + ex.InitEnd + ")"
	}
	if first, _, _ := strings.Cut(strings.TrimSpace(ex.InitLog), "\n"); first != "" {
		msg += ": " + first
	}
	return msg
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
