// Package server is `cordon serve`: the HTTP API over the library. It owns
// tenants and their tokens, admission (rate limits, quotas, a bounded
// queue: 429 and 503 with Retry-After before any work), the workers that
// call [cordon.Executor.Run], server-sent events of a run's output, the
// audit evidence returned with every result, signed callbacks, and the
// service's lifecycle (reload, graceful shutdown, recovery of runs a
// previous process left unfinished).
//
// Start with [LoadConfig] and [New]; serve [Server.Handler]. The API is
// described in openapi.json (served at /v1/openapi.json) and
// docs/server.md.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cordonsec/cordon"
	"github.com/cordonsec/cordon/audit"
	"github.com/cordonsec/cordon/policy"
)

// runner is what the workers need of the library: cordon.Executor.
type runner interface {
	Run(ctx context.Context, job cordon.Job) (cordon.Result, error)
	Close() error
}

// stuckGrace is how long past a run's wall-time limit (plus a cancel) the
// service waits for the library to return before it gives the run up
// (see execute).
var stuckGrace = time.Minute

// Server is a running service.
type Server struct {
	cfg *Config
	ex  runner
	q   Queue
	st  *store
	ev  *evidence
	jr  *journal
	m   *metrics
	log *slog.Logger

	tmu     sync.RWMutex // guards the tenant maps (swapped by Reload)
	byName  map[string]*Tenant
	byToken map[[32]byte]*Tenant

	bmu     sync.Mutex
	buckets map[string]*bucket

	amu     sync.Mutex // admission: queued counts and the push
	pending map[string]int

	runCtx    context.Context // parent of every run; canceled at the shutdown deadline
	cancelAll context.CancelFunc
	popCtx    context.Context
	stopPop   context.CancelFunc
	workers   sync.WaitGroup
	bg        sync.WaitGroup // callbacks
	draining  atomic.Bool
	avgWallMS atomic.Int64
	hostErr   atomic.Value // *errBox: the last host probe's verdict

	mounts []route // served beside the API (Mount)
}

// New builds the service from cfg: it loads the tenants, opens the audit
// log, records as interrupted the runs a previous process left unfinished,
// and starts the workers.
func New(cfg *Config, logger *slog.Logger) (*Server, error) {
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	byName, byToken, err := cfg.tenants()
	if err != nil {
		return nil, err
	}
	var anyTenant *Tenant
	for _, t := range byName {
		anyTenant = t
		break
	}
	aopts := audit.OptionsFromPolicy(anyTenant.Ceiling.Audit)
	alog, err := audit.Open(aopts)
	if err != nil {
		return nil, fmt.Errorf("audit log %s: %w", aopts.Dir, err)
	}
	jr, err := openJournal(cfg.path(cfg.StateDir))
	if err != nil {
		alog.Close()
		return nil, err
	}
	ex, err := cordon.NewExecutor(cordon.Options{})
	if err != nil {
		alog.Close()
		return nil, err
	}
	s := &Server{
		cfg: cfg, ex: ex, q: newMemQueue(cfg.Queue), st: newStore(cfg.Retain),
		ev: &evidence{log: alog}, jr: jr, log: logger,
		byName: byName, byToken: byToken, buckets: map[string]*bucket{}, pending: map[string]int{},
	}
	s.m = newMetrics(s)
	// Outputs and inputs of runs a previous process kept are not
	// reachable any more (runs live in memory).
	os.RemoveAll(s.outputsRoot())
	os.RemoveAll(filepath.Join(cfg.path(cfg.StateDir), "inputs"))
	if err := s.recover(); err != nil {
		ex.Close()
		alog.Close()
		return nil, err
	}
	s.runCtx, s.cancelAll = context.WithCancel(context.Background())
	s.popCtx, s.stopPop = context.WithCancel(context.Background())
	s.probeHost(s.popCtx)
	go s.hostLoop(s.popCtx)
	for range cfg.Workers {
		s.workers.Add(1)
		go s.worker()
	}
	return s, nil
}

// Reload swaps in the tenants of cfg (tokens added, rotated, revoked;
// quotas and ceilings changed) without touching queued or running runs,
// which keep the ceiling they were accepted under. Listen, workers, queue
// and the audit dir are not reloaded.
func (s *Server) Reload(cfg *Config) error {
	byName, byToken, err := cfg.tenants()
	if err != nil {
		return err
	}
	s.tmu.Lock()
	s.byName, s.byToken = byName, byToken
	s.tmu.Unlock()
	return nil
}

// Shutdown stops the service gracefully: new runs are refused (503
// shutting-down), queued runs are canceled, running runs may finish until
// ctx ends and are then canceled; every run gets its audit end record and
// the log a final checkpoint.
func (s *Server) Shutdown(ctx context.Context) error {
	s.draining.Store(true)
	s.q.Close()
	for _, r := range s.q.Drain() {
		s.cancelQueued(r, "canceled: the server shut down before the run started")
	}
	done := make(chan struct{})
	go func() { s.workers.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		s.cancelAll()
		<-done
	}
	s.stopPop()
	s.bg.Wait()
	var errs []error
	if err := s.ex.Close(); err != nil {
		errs = append(errs, err)
	}
	if err := s.ev.log.Close(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (s *Server) tenant(name string) *Tenant {
	s.tmu.RLock()
	defer s.tmu.RUnlock()
	return s.byName[name]
}

func newRunID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (s *Server) worker() {
	defer s.workers.Done()
	for {
		r := s.q.Pop(s.popCtx)
		if r == nil {
			return
		}
		s.amu.Lock()
		s.pending[r.tenant]--
		s.amu.Unlock()
		s.execute(r)
		s.q.Done(r)
	}
}

// execute runs r through the library and publishes its result.
func (s *Server) execute(r *Run) {
	r.mu.Lock()
	r.status, r.started = stateRunning, time.Now()
	r.mu.Unlock()
	s.m.inflight.Inc()
	job := r.job
	job.ID, job.Tenant = r.ID, r.tenant
	job.Stdout, job.Stderr = r.out.writer(0), r.out.writer(1)
	res, err, ok := s.runBounded(r, job)
	s.m.inflight.Dec()
	if !ok {
		// The library did not return: the run is given up so that its
		// client, its tenant's slot and the audit log are not held
		// forever. The call's goroutine is left behind (and logged).
		s.log.Error("run stuck in the library; given up", "run", r.ID, "grace", stuckGrace.String())
		msg := fmt.Sprintf("the sandbox did not end within wall_time + %s; the run was given up", stuckGrace)
		res = cordon.Result{ID: r.ID, Status: cordon.StatusInternalError, ExitCode: -1, Error: msg,
			Layers: map[policy.Layer]cordon.LayerState{}, Events: []cordon.Event{}, Findings: []cordon.Finding{}}
		if ent, err := s.ev.recordEnd(r.jent, string(res.Status), msg); err != nil {
			res.Events = append(res.Events, cordon.Event{Type: cordon.EventAuditFailed, Message: err.Error()})
		} else {
			res.Audit = &cordon.AuditEntry{Index: ent.Index, LeafHash: ent.Hash.String()}
		}
	} else if res.Status == "" || (res.Audit == nil && !auditFailed(&res)) {
		// The library refused the job or stopped before its audit start
		// record (input refused, analysis failed, canceled while the
		// sandbox was being built): the service writes both records, so
		// every accepted run is in the log.
		status, msg := res.Status, res.Error
		if r.isCanceled() {
			status = cordon.Status(statusCanceled)
		}
		if res.Status == "" {
			status, msg = cordon.StatusInternalError, fmt.Sprint(err)
			if errors.Is(err, cordon.ErrBadInput) {
				status = cordon.StatusRejected
			}
		}
		u := s.unstartedResult(r, status, msg)
		if res.Status != "" {
			if res.Layers == nil {
				res.Layers = u.Layers
			}
			res.Audit, res.Layers[policy.LayerAudit] = u.Audit, u.Layers[policy.LayerAudit]
			res.Events = append(res.Events, u.Events...)
		} else {
			res = u
		}
	}
	status := string(res.Status)
	if r.isCanceled() {
		status = statusCanceled
	}
	s.finish(r, &res, status)
}

// runBounded runs job, giving up (ok false) when the library has not
// returned stuckGrace after the run's wall-time limit, canceled or not.
func (s *Server) runBounded(r *Run, job cordon.Job) (cordon.Result, error, bool) {
	type out struct {
		res cordon.Result
		err error
	}
	done := make(chan out, 1)
	go func() {
		res, err := s.ex.Run(r.ctx, job)
		done <- out{res, err}
	}()
	limit := job.Policy.Limits.WallTime.D() + stuckGrace
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case o := <-done:
		return o.res, o.err, true
	case <-t.C:
	}
	// Past every limit: cancel, and give it one more grace.
	r.cancel()
	t.Reset(stuckGrace)
	select {
	case o := <-done:
		return o.res, o.err, true
	case <-t.C:
		return cordon.Result{}, nil, false
	}
}

func auditFailed(res *cordon.Result) bool {
	for _, e := range res.Events {
		if e.Type == cordon.EventAuditFailed {
			return true
		}
	}
	return false
}

// cancelQueued ends a run that never reached a worker.
func (s *Server) cancelQueued(r *Run, why string) {
	s.amu.Lock()
	s.pending[r.tenant]--
	s.amu.Unlock()
	res := s.unstartedResult(r, cordon.Status(statusCanceled), why)
	s.finish(r, &res, statusCanceled)
}

// finish publishes r's result: evidence first (so every result carries
// it), then the state, the stream's end, the journal, the callback.
func (s *Server) finish(r *Run, res *cordon.Result, status string) {
	if r.inputDir != "" {
		os.RemoveAll(r.inputDir)
	}
	var proof *audit.Proof
	var perr string
	if res.Audit != nil {
		t0 := time.Now()
		p, err := s.ev.prove(context.Background(), res.Audit.Index)
		s.m.evidence.Observe(time.Since(t0).Seconds())
		if err != nil {
			perr = err.Error()
			s.log.Warn("evidence", "run", r.ID, "err", err)
		}
		proof = p
	} else {
		perr = "the run has no audit end record"
	}
	r.mu.Lock()
	r.result, r.status, r.finished = res, status, time.Now()
	r.evidence, r.evidenceErr = proof, perr
	r.mu.Unlock()
	r.out.end(res.Stdout, res.Stderr)
	close(r.done)
	r.cancel()
	for _, old := range s.st.finish(r) {
		os.RemoveAll(s.outputDirFor(old.ID))
	}
	s.jr.remove(r.ID)
	s.m.finished(status, res)
	if res.Usage.WallMS > 0 {
		old := s.avgWallMS.Load()
		s.avgWallMS.Store((old*7 + res.Usage.WallMS) / 8)
	}
	if r.callback != "" {
		s.bg.Add(1)
		go func() { defer s.bg.Done(); s.deliver(r) }()
	}
}

// unstartedResult is the result of a run the library never started, with
// its audit start and end records written by the service (every accepted
// run is in the log).
func (s *Server) unstartedResult(r *Run, status cordon.Status, msg string) cordon.Result {
	layers := map[policy.Layer]cordon.LayerState{}
	for _, l := range policy.Layers {
		layers[l] = cordon.LayerOff
	}
	res := cordon.Result{ID: r.ID, Status: status, ExitCode: -1, Error: msg,
		Layers: layers, Events: []cordon.Event{}, Findings: []cordon.Finding{}}
	if ent, err := s.ev.recordUnstarted(r.jent, string(status), msg); err != nil {
		res.Events = append(res.Events, cordon.Event{Type: cordon.EventAuditFailed, Message: err.Error()})
	} else {
		res.Layers[policy.LayerAudit] = cordon.LayerActive
		res.Audit = &cordon.AuditEntry{Index: ent.Index, LeafHash: ent.Hash.String()}
	}
	return res
}

// inputDirFor makes the directory a run's request files are written to.
func (s *Server) inputDirFor(id string) (string, error) {
	d := filepath.Join(s.cfg.path(s.cfg.StateDir), "inputs", id)
	if err := os.MkdirAll(d, 0o700); err != nil {
		return "", err
	}
	return d, nil
}

// retryAfter estimates when capacity frees: the queue ahead drained by the
// workers at the recent average run time.
func (s *Server) retryAfter() time.Duration {
	avg := time.Duration(max(s.avgWallMS.Load(), 100)) * time.Millisecond
	d := avg * time.Duration(s.q.Len()+1) / time.Duration(max(s.cfg.Workers, 1))
	return min(max(d, time.Second), time.Minute)
}

// HTTPServer returns an http.Server for Handler with the config's
// timeouts: read (the whole request), write (each answer but event
// streams, which set their own per-write deadline) and idle.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       s.cfg.ReadTimeout.D(),
		// The write timeout must outlast ?wait; event streams clear it.
		WriteTimeout:   s.cfg.WriteTimeout.D() + s.cfg.MaxWait.D(),
		IdleTimeout:    s.cfg.IdleTimeout.D(),
		MaxHeaderBytes: maxHeaderSize,
		ErrorLog:       slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// TLSFile resolves a TLS file name against the config's folder.
func (c *Config) TLSFile(p string) string { return c.path(p) }
