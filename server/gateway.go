package server

// The service's Go face for other front ends in the same process (the MCP
// tools of package mcp, over stdio and over streamable HTTP): the same
// tenants, admission (rate, quotas, queue), request checks, policy
// tightening, audit records and evidence as the HTTP API, with the same
// request (RunRequest, CheckRequest) and the same answer (RunView).

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/cordonsec/cordon/analysis"
	"github.com/cordonsec/cordon/policy"
)

// Mount serves h at pattern (as http.ServeMux takes it) beside the API:
// the MCP endpoint. Call it before Handler or HTTPServer.
func (s *Server) Mount(pattern string, h http.Handler) {
	s.mounts = append(s.mounts, route{pattern, h})
}

// TenantOf returns the tenant a bearer token belongs to, or nil.
func (s *Server) TenantOf(token string) *Tenant {
	if token == "" || len(token) > maxTokenLen {
		return nil
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	s.tmu.RLock()
	defer s.tmu.RUnlock()
	return s.byToken[sum]
}

// Tenant returns the tenant named name as loaded now (its ceiling and
// offered policies), or nil.
func (s *Server) Tenant(name string) *Tenant { return s.tenant(name) }

// Submit accepts a run for the tenant exactly as POST /v1/runs does,
// without an idempotency key or a callback; client names the program
// that asked (written into the audit start record). The run is queued:
// wait for it with [Server.Wait].
func (s *Server) Submit(tenant string, req *RunRequest, client string) (*Run, error) {
	t := s.tenant(tenant)
	if t == nil {
		return nil, problem("unauthorized", "no tenant %q", tenant)
	}
	if s.draining.Load() {
		return nil, problem("shutting-down", "the server is shutting down").after(5e9)
	}
	if p := s.admitCheck(t); p != nil {
		return nil, p
	}
	if p := s.rateCheck(t); p != nil {
		return nil, p
	}
	if req.IdempotencyKey != "" || req.Callback != "" {
		return nil, problem("invalid-request", "idempotency_key and callback are for the HTTP API")
	}
	run, p := s.buildRun(t, req, client)
	if p != nil {
		return nil, p
	}
	if _, p := s.admit(run, t); p != nil {
		return nil, p
	}
	return run, nil
}

// Wait returns the run once it has finished; if ctx ends first, the run
// is canceled (its caller went away) and Wait returns what it ended as.
func (s *Server) Wait(ctx context.Context, run *Run) RunView {
	select {
	case <-run.done:
	case <-ctx.Done():
		if !run.isDone() {
			s.cancelRun(run)
		}
		<-run.done
	}
	return run.view()
}

// Follow calls fn with each chunk of the run's stdout (stream 0) and
// stderr (1) as it is written — the bytes the event stream carries, cut
// on UTF-8 boundaries — until the run has ended and everything is passed
// on, or ctx is done.
func (s *Server) Follow(ctx context.Context, run *Run, fn func(stream int, chunk []byte)) {
	var off [2]int
	for {
		progressed, ended := false, false
		var wake <-chan struct{}
		for i := range 2 {
			chunk, _, e, wk := run.out.read(i, off[i], sseChunk)
			ended, wake = e, wk
			if !e {
				chunk = trimPartialRune(chunk)
			}
			if len(chunk) > 0 {
				off[i] += len(chunk)
				fn(i, chunk)
				progressed = true
			}
		}
		if progressed {
			continue
		}
		if ended {
			return
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return
		}
	}
}

// Policy is the run's effective policy: the ceiling or the named
// policy, with the request's tightening applied.
func (r *Run) Policy() *policy.Policy { return r.job.Policy }

// Output returns the bytes of a file the run returned (result.outputs),
// at most max of them; the second result says whether it was cut.
func (s *Server) Output(run *Run, path string, max int64) ([]byte, bool, error) {
	f, st, p := s.openOutput(run, path)
	if p != nil {
		return nil, false, p
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max))
	if err != nil {
		return nil, false, err
	}
	return b, st.Size() > int64(len(b)), nil
}

// Check analyses scripts exactly as POST /v1/check does, counted
// against the tenant's rate.
func (s *Server) Check(ctx context.Context, tenant string, req *CheckRequest) (*analysis.CheckReport, error) {
	t := s.tenant(tenant)
	if t == nil {
		return nil, problem("unauthorized", "no tenant %q", tenant)
	}
	if p := s.rateCheck(t); p != nil {
		return nil, p
	}
	rep, p := s.check(ctx, t, req)
	if p != nil {
		return nil, p
	}
	return rep, nil
}

// AsProblem returns the problem document err carries, if any.
func AsProblem(err error) (*Problem, bool) {
	var p *Problem
	ok := errors.As(err, &p)
	return p, ok
}
