package server

// The HTTP API: routes, authentication, admission and the run endpoints.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cordonsec/cordon"
	"github.com/cordonsec/cordon/policy"
)

// Request limits besides max_body (docs/server.md lists them all).
const (
	maxFiles      = 256
	maxArgs       = 1024
	maxArgLen     = 64 << 10
	maxEnv        = 256
	maxKeyLen     = 256
	maxURLLen     = 2048
	maxListLimit  = 200
	defListLimit  = 50
	maxHeaderSize = 64 << 10
)

// RunRequest is the body of POST /v1/runs.
type RunRequest struct {
	// Source is the script's text; or Entrypoint names one of Files.
	Source     string   `json:"source,omitempty"`
	Name       string   `json:"name,omitempty"` // file name of Source ("script.py")
	Entrypoint string   `json:"entrypoint,omitempty"`
	Files      []File   `json:"files,omitempty"`
	Args       []string `json:"args,omitempty"`
	Stdin      string   `json:"stdin,omitempty"`
	// StdinEncoding is utf8 (default) or base64.
	StdinEncoding string            `json:"stdin_encoding,omitempty"`
	Env           map[string]string `json:"env,omitempty"`
	// PolicyName names one of the policies the server offers the tenant
	// (its config's policies) to start from instead of the ceiling.
	PolicyName string `json:"policy_name,omitempty"`
	// Policy holds overrides applied onto the tenant's ceiling (or the
	// named policy); they may only tighten it.
	Policy json.RawMessage `json:"policy,omitempty"`
	// Outputs are glob patterns of files under the work dir to return
	// after the run (GET /v1/runs/{id}/outputs/{path}), within the
	// policy's outputs caps.
	Outputs        []string `json:"outputs,omitempty"`
	IdempotencyKey string   `json:"idempotency_key,omitempty"`
	Callback       string   `json:"callback,omitempty"`
}

// File is one input file of a run, placed in the work dir next to the
// script.
type File struct {
	Path     string `json:"path"`
	Content  string `json:"content"`
	Encoding string `json:"encoding,omitempty"` // utf8 (default) or base64
}

// route is one endpoint; the OpenAPI document must describe each
// (TestOpenAPICoversRoutes).
type route struct {
	pattern string // "METHOD /path/{param}"
	h       http.Handler
}

func (s *Server) routes() []route {
	a := func(h func(http.ResponseWriter, *http.Request, *Tenant)) http.Handler { return s.auth(h) }
	return []route{
		{"POST /v1/runs", a(s.postRun)},
		{"GET /v1/runs", a(s.listRuns)},
		{"GET /v1/runs/{id}", a(s.getRun)},
		{"DELETE /v1/runs/{id}", a(s.deleteRun)},
		{"GET /v1/runs/{id}/events", a(s.runEvents)},
		{"GET /v1/runs/{id}/outputs/{path...}", a(s.getOutput)},
		{"POST /v1/check", a(s.postCheck)},
		{"GET /v1/policy", a(s.getPolicy)},
		{"GET /v1/audit/checkpoint", a(s.getCheckpoint)},
		{"GET /v1/audit/proof/{index}", a(s.getProof)},
		{"GET /v1/openapi.json", http.HandlerFunc(serveOpenAPI)},
		{"GET /healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		})},
		{"GET /readyz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := s.Ready(); err != nil {
				writeProblem(w, r, problem("not-ready", "%v", err))
				return
			}
			writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
		})},
		{"GET /metrics", s.m.handler()},
	}
}

// Handler returns the service's HTTP handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range append(s.routes(), s.mounts...) {
		mux.Handle(rt.pattern, rt.h)
	}
	return s.m.count(notFoundAsProblem(mux))
}

// notFoundAsProblem answers the mux's own 404 and 405 as problems.
func notFoundAsProblem(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern == "" {
			// The mux would answer 404 or 405 itself; find which.
			rec := &statusOnly{header: http.Header{}}
			h.ServeHTTP(rec, r)
			if rec.status == http.StatusMethodNotAllowed {
				w.Header().Set("Allow", rec.header.Get("Allow"))
				writeProblem(w, r, problem("method-not-allowed", "%s is not allowed on %s", r.Method, r.URL.Path))
				return
			}
			writeProblem(w, r, problem("not-found", "no route %s", r.URL.Path))
			return
		}
		mux.ServeHTTP(w, r)
	})
}

type statusOnly struct {
	header http.Header
	status int
}

func (s *statusOnly) Header() http.Header         { return s.header }
func (s *statusOnly) Write(b []byte) (int, error) { return len(b), nil }
func (s *statusOnly) WriteHeader(code int)        { s.status = code }

// auth refuses a request without a valid token (401) before anything else.
func (s *Server) auth(h func(http.ResponseWriter, *http.Request, *Tenant)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t := s.authenticate(r)
		if t == nil {
			writeProblem(w, r, problem("unauthorized", "send Authorization: Bearer TOKEN with a token the server knows"))
			return
		}
		h(w, r, t)
	}
}

func (s *Server) postRun(w http.ResponseWriter, r *http.Request, t *Tenant) {
	// Admission first: nothing is read or decoded for a request that will
	// be refused.
	if s.draining.Load() {
		writeProblem(w, r, problem("shutting-down", "the server is shutting down").after(5*time.Second))
		return
	}
	wait, p := s.parseWait(r)
	if p != nil {
		writeProblem(w, r, p)
		return
	}
	if p := s.admitCheck(t); p != nil {
		writeProblem(w, r, p)
		return
	}
	if p := s.rateCheck(t); p != nil {
		writeProblem(w, r, p)
		return
	}
	var req RunRequest
	raw, p := s.decodeBody(w, r, &req)
	if p != nil {
		writeProblem(w, r, p)
		return
	}
	sum := sha256.Sum256(raw)
	if req.IdempotencyKey != "" {
		if len(req.IdempotencyKey) > maxKeyLen {
			writeProblem(w, r, problem("invalid-request", "idempotency_key longer than %d bytes", maxKeyLen))
			return
		}
		if old := s.st.byKey(t.Name, req.IdempotencyKey); old != nil {
			if old.reqHash != sum {
				writeProblem(w, r, problem("idempotency-conflict", "idempotency_key %q was used for run %s with another body", req.IdempotencyKey, old.ID))
				return
			}
			w.Header().Set("Idempotent-Replayed", "true")
			s.answerRun(w, r, old, wait)
			return
		}
	}
	run, p := s.buildRun(t, &req, "")
	if p != nil {
		if run != nil && run.inputDir != "" {
			os.RemoveAll(run.inputDir)
		}
		writeProblem(w, r, p)
		return
	}
	run.reqHash = sum
	old, p := s.admit(run, t)
	if p != nil || old != nil {
		os.RemoveAll(run.inputDir)
	}
	switch {
	case p != nil:
		writeProblem(w, r, p)
	case old != nil && old.reqHash != sum:
		writeProblem(w, r, problem("idempotency-conflict", "idempotency_key %q was used for run %s with another body", req.IdempotencyKey, old.ID))
	case old != nil:
		w.Header().Set("Idempotent-Replayed", "true")
		s.answerRun(w, r, old, wait)
	default:
		s.answerRun(w, r, run, wait)
	}
}

func (s *Server) parseWait(r *http.Request) (time.Duration, *Problem) {
	v := r.URL.Query().Get("wait")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, problem("invalid-request", "wait=%q: want a whole number of seconds", v)
	}
	d := time.Duration(n) * time.Second
	if d > s.cfg.MaxWait.D() {
		return 0, problem("wait-too-long", "wait=%d is past the server's cap of %d seconds; poll GET /v1/runs/{id} or stream its events instead", n, int(s.cfg.MaxWait.D().Seconds()))
	}
	return d, nil
}

// admitCheck refuses early when the tenant's queue or the server's is
// full; admit repeats the check atomically with the push.
func (s *Server) admitCheck(t *Tenant) *Problem {
	s.amu.Lock()
	defer s.amu.Unlock()
	return s.quotaLocked(t)
}

func (s *Server) quotaLocked(t *Tenant) *Problem {
	if s.pending[t.Name] >= t.Queued {
		s.m.refused.WithLabelValues("tenant-quota").Inc()
		return problem("tenant-quota", "%d of your runs are queued (quota %d)", s.pending[t.Name], t.Queued).after(s.retryAfter())
	}
	if s.q.Len() >= s.cfg.Queue {
		s.m.refused.WithLabelValues("server-busy").Inc()
		return problem("server-busy", "%d runs are queued (capacity %d)", s.q.Len(), s.cfg.Queue).after(s.retryAfter())
	}
	return nil
}

func (s *Server) rateCheck(t *Tenant) *Problem {
	s.bmu.Lock()
	b := s.buckets[t.Name]
	if b == nil {
		b = &bucket{}
		s.buckets[t.Name] = b
	}
	s.bmu.Unlock()
	ok, wait := b.take(time.Now(), t.RunsPerMinute, t.Burst)
	if !ok {
		s.m.refused.WithLabelValues("rate-limited").Inc()
		return problem("rate-limited", "at most %d runs a minute (burst %d)", t.RunsPerMinute, t.Burst).after(wait)
	}
	return nil
}

// decodeBody reads at most max_body bytes of JSON into v, refusing
// unknown fields and trailing data.
func (s *Server) decodeBody(w http.ResponseWriter, r *http.Request, v any) ([]byte, *Problem) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return nil, problem("unsupported-media", "Content-Type %q: send application/json", ct)
		}
	}
	limit := int64(s.cfg.MaxBody)
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, problem("body-too-large", "the body is larger than %s (max_body)", policy.FormatSize(limit))
		}
		return nil, problem("bad-json", "reading the body: %v", err)
	}
	if p := decodeStrict(raw, v); p != nil {
		return nil, p
	}
	return raw, nil
}

// decodeStrict decodes one JSON value into v, refusing unknown fields and
// trailing data.
func decodeStrict(raw []byte, v any) *Problem {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if msg, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return problem("unknown-field", "unknown field %s", msg)
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return problem("bad-json", "field %s: want %s, got a JSON %s", te.Field, te.Type, te.Value)
		}
		return problem("bad-json", "%v", err)
	}
	if dec.More() {
		return problem("bad-json", "data after the JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return problem("bad-json", "data after the JSON object")
	}
	return nil
}

func decodeContent(what, content, enc string) ([]byte, *Problem) {
	switch enc {
	case "", "utf8":
		return []byte(content), nil
	case "base64":
		b, err := base64.StdEncoding.DecodeString(content)
		if err != nil {
			return nil, problem("invalid-request", "%s: not base64: %v", what, err)
		}
		return b, nil
	}
	return nil, problem("invalid-request", "%s: encoding %q: want utf8 or base64", what, enc)
}

func checkFileName(name string) error {
	switch {
	case name == "" || name == "." || name == "..":
		return errors.New("not a file name")
	case strings.ContainsAny(name, "/\\\x00"):
		return errors.New("a plain file name, without folders")
	case len(name) > 255:
		return errors.New("longer than 255 bytes")
	}
	return nil
}

// buildRun checks the request and turns it into a run: the effective
// policy (ceiling + overrides, tightened), the job with its files written
// to the run's input dir.
func (s *Server) buildRun(t *Tenant, req *RunRequest, client string) (*Run, *Problem) {
	base, p := t.policyNamed(req.PolicyName)
	if p != nil {
		return nil, p
	}
	pol := base
	if len(req.Policy) > 0 && !bytes.Equal(bytes.TrimSpace(req.Policy), []byte("null")) {
		p, err := policy.Over(base, "policy", req.Policy)
		if err != nil {
			pr := problem("policy-invalid", "the policy override has problems")
			pr.Errors = fieldErrors(err)
			return nil, pr
		}
		tp, err := policy.Tighten(base, p)
		if err != nil {
			pr := problem("policy-loosens", "a request may only tighten the tenant's ceiling or the policy it names (GET /v1/policy shows it)")
			pr.Errors = fieldErrors(err)
			return nil, pr
		}
		pol = tp
	}
	switch {
	case req.Source != "" && req.Entrypoint != "":
		return nil, problem("invalid-request", "give source or entrypoint, not both")
	case req.Source == "" && req.Entrypoint == "":
		return nil, problem("invalid-request", "no script: give source (the script's text) or entrypoint (one of files[].path)")
	case len(req.Files) > maxFiles:
		return nil, problem("invalid-request", "%d files; at most %d", len(req.Files), maxFiles)
	case len(req.Args) > maxArgs:
		return nil, problem("invalid-request", "%d args; at most %d", len(req.Args), maxArgs)
	case len(req.Env) > maxEnv:
		return nil, problem("invalid-request", "%d env variables; at most %d", len(req.Env), maxEnv)
	}
	for i, a := range req.Args {
		if len(a) > maxArgLen || strings.IndexByte(a, 0) >= 0 {
			return nil, problem("invalid-request", "args[%d]: longer than %d bytes or holds a NUL byte", i, maxArgLen)
		}
	}
	for n := range req.Env {
		if !slices.Contains(pol.Environment.Pass, n) {
			return nil, problem("invalid-request", "env %s: not in the policy's environment.pass (%s)", n, strings.Join(pol.Environment.Pass, ", "))
		}
	}
	if req.Callback != "" {
		if p := s.checkCallback(t, req.Callback); p != nil {
			return nil, p
		}
	}
	if p := checkOutputs(req.Outputs); p != nil {
		return nil, p
	}
	id := newRunID()
	run := &Run{ID: id, tenant: t.Name, concurrency: t.Concurrency, created: time.Now(),
		callback: req.Callback, idemKey: req.IdempotencyKey, done: make(chan struct{})}
	run.out.init()
	job := cordon.Job{Args: req.Args, Env: req.Env, Policy: pol, Client: client}
	if len(req.Outputs) > 0 {
		job.Outputs, job.OutputDir = req.Outputs, s.outputDirFor(id)
	}
	stdin, p := decodeContent("stdin", req.Stdin, req.StdinEncoding)
	if p != nil {
		return nil, p
	}
	job.Stdin = bytes.NewReader(stdin)
	var script []byte
	scriptName := req.Name
	if req.Source != "" {
		if scriptName == "" {
			scriptName = "script.py"
		}
		if err := checkFileName(scriptName); err != nil {
			return nil, problem("invalid-request", "name %q: %v", scriptName, err)
		}
		script = []byte(req.Source)
		job.Source, job.Name = script, scriptName
	} else if req.Name != "" {
		return nil, problem("invalid-request", "name is for inline source; an entrypoint keeps its file's name")
	}
	seen := map[string]bool{scriptName: req.Source != ""}
	var found bool
	if len(req.Files) > 0 {
		dir, err := s.inputDirFor(id)
		if err != nil {
			return nil, problem("internal", "input dir: %v", err)
		}
		run.inputDir = dir
	}
	for i, f := range req.Files {
		if err := checkFileName(f.Path); err != nil {
			return run, problem("invalid-request", "files[%d].path %q: %v", i, f.Path, err)
		}
		if seen[f.Path] {
			return run, problem("invalid-request", "files[%d].path %q: given twice (or the script's name)", i, f.Path)
		}
		seen[f.Path] = true
		b, p := decodeContent(fmt.Sprintf("files[%d]", i), f.Content, f.Encoding)
		if p != nil {
			return run, p
		}
		hp := filepath.Join(run.inputDir, f.Path)
		if err := os.WriteFile(hp, b, 0o600); err != nil {
			return run, problem("internal", "writing files[%d]: %v", i, err)
		}
		if f.Path == req.Entrypoint {
			found, script, scriptName = true, b, f.Path
			job.Script = hp
			continue
		}
		job.Files = append(job.Files, hp)
	}
	if req.Entrypoint != "" && !found {
		return run, problem("invalid-request", "entrypoint %q is not one of files[].path", req.Entrypoint)
	}
	sum := sha256.Sum256(script)
	run.jent = journalEntry{ID: id, Tenant: t.Name, Created: run.created, Script: scriptName,
		ScriptSHA256: hex.EncodeToString(sum[:]), PolicyHash: pol.Hash(), Client: client}
	run.job = job
	return run, nil
}

// fieldErrors lists policy errors with their places.
func fieldErrors(err error) []FieldError {
	var pe policy.Errors
	if errors.As(err, &pe) {
		out := make([]FieldError, len(pe))
		for i, e := range pe {
			out[i] = FieldError{Field: e.Field, Line: e.Line, Column: e.Column, Message: e.Msg}
		}
		return out
	}
	var one *policy.Error
	if errors.As(err, &one) {
		return []FieldError{{Field: one.Field, Line: one.Line, Column: one.Column, Message: one.Msg}}
	}
	return []FieldError{{Message: err.Error()}}
}

// admit journals the run and queues it, checking the quotas again
// atomically with the push. A run with the idempotency key of one already
// accepted (a concurrent twin) is not queued: that one is returned.
func (s *Server) admit(run *Run, t *Tenant) (*Run, *Problem) {
	s.amu.Lock()
	defer s.amu.Unlock()
	if run.idemKey != "" {
		if old := s.st.byKey(t.Name, run.idemKey); old != nil {
			return old, nil
		}
	}
	if p := s.quotaLocked(t); p != nil {
		return nil, p
	}
	if err := s.jr.add(run.jent); err != nil {
		return nil, problem("internal", "journal: %v", err)
	}
	run.ctx, run.cancel = context.WithCancel(s.runCtx)
	run.status = stateQueued
	s.st.add(run)
	if err := s.q.Push(run); err != nil {
		s.jr.remove(run.ID)
		run.cancel()
		s.st.drop(run)
		s.m.refused.WithLabelValues("server-busy").Inc()
		return nil, problem("server-busy", "the queue is full").after(s.retryAfter())
	}
	s.pending[t.Name]++
	s.m.accepted.Inc()
	return nil, nil
}

// answerRun answers 200 with the finished run, or 202 with Location after
// waiting up to wait.
func (s *Server) answerRun(w http.ResponseWriter, r *http.Request, run *Run, wait time.Duration) {
	if wait > 0 && !run.isDone() {
		t := time.NewTimer(wait)
		select {
		case <-run.done:
		case <-t.C:
		case <-r.Context().Done():
		}
		t.Stop()
	}
	w.Header().Set("Location", "/v1/runs/"+run.ID)
	if run.isDone() {
		writeJSON(w, http.StatusOK, run.view())
		return
	}
	writeJSON(w, http.StatusAccepted, run.view())
}

func (s *Server) getRun(w http.ResponseWriter, r *http.Request, t *Tenant) {
	run := s.st.get(t.Name, r.PathValue("id"))
	if run == nil {
		// Another tenant's run is as absent as one that never was.
		writeProblem(w, r, problem("not-found", "no run %q", r.PathValue("id")))
		return
	}
	writeJSON(w, http.StatusOK, run.view())
}

// RunList is the answer of GET /v1/runs.
type RunList struct {
	Runs []RunView `json:"runs"`
	// Next is the cursor of the next page (pass it as ?after=), "" on the
	// last page.
	Next string `json:"next,omitempty"`
}

func (s *Server) listRuns(w http.ResponseWriter, r *http.Request, t *Tenant) {
	q := r.URL.Query()
	limit := defListLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxListLimit {
			writeProblem(w, r, problem("invalid-request", "limit=%q: want 1 to %d", v, maxListLimit))
			return
		}
		limit = n
	}
	status := q.Get("status")
	if status != "" && !validStatus(status) {
		writeProblem(w, r, problem("invalid-request", "status=%q: want queued, running, canceled or a result status", status))
		return
	}
	runs, next := s.st.list(t.Name, status, q.Get("after"), limit)
	out := RunList{Runs: make([]RunView, 0, len(runs))}
	for _, run := range runs {
		v := run.view()
		// The list is a summary: the outputs and proofs are one GET away.
		if v.Result != nil {
			res := *v.Result
			res.Stdout, res.Stderr = "", ""
			v.Result = &res
		}
		v.Evidence = nil
		out.Runs = append(out.Runs, v)
	}
	if next != "" {
		out.Next = url.QueryEscape(next)
	}
	writeJSON(w, http.StatusOK, out)
}

func validStatus(s string) bool {
	if s == stateQueued || s == stateRunning || s == statusCanceled {
		return true
	}
	return slices.Contains(cordon.Statuses, cordon.Status(s))
}

func (s *Server) deleteRun(w http.ResponseWriter, r *http.Request, t *Tenant) {
	run := s.st.get(t.Name, r.PathValue("id"))
	if run == nil {
		writeProblem(w, r, problem("not-found", "no run %q", r.PathValue("id")))
		return
	}
	if run.isDone() {
		writeProblem(w, r, problem("run-finished", "run %s finished with status %s", run.ID, run.state()))
		return
	}
	if !s.cancelRun(run) {
		// The worker publishes the result; wait briefly so the answer
		// shows it.
		t := time.NewTimer(10 * time.Second)
		select {
		case <-run.done:
		case <-t.C:
		case <-r.Context().Done():
		}
		t.Stop()
	}
	if run.isDone() {
		writeJSON(w, http.StatusOK, run.view())
		return
	}
	writeJSON(w, http.StatusAccepted, run.view())
}

// cancelRun cancels run: a queued one ends now (true), a running one is
// killed and its worker publishes the result (false).
func (s *Server) cancelRun(run *Run) bool {
	run.mu.Lock()
	run.canceled = true
	run.mu.Unlock()
	if s.q.Remove(run.ID) {
		s.cancelQueued(run, "canceled before it started")
		return true
	}
	run.cancel()
	return false
}

func (s *Server) getPolicy(w http.ResponseWriter, r *http.Request, t *Tenant) {
	pol, p := t.policyNamed(r.URL.Query().Get("name"))
	if p != nil {
		writeProblem(w, r, p)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(pol.JSON())
}

// policyNamed is the tenant's ceiling ("") or one of its offered
// policies.
func (t *Tenant) policyNamed(name string) (*policy.Policy, *Problem) {
	if name == "" {
		return t.Ceiling, nil
	}
	if p, ok := t.Offers[name]; ok {
		return p, nil
	}
	names := slices.Sorted(maps.Keys(t.Offers))
	if len(names) == 0 {
		return nil, problem("invalid-request", "policy_name %q: the server offers this tenant no named policies, only its ceiling", name)
	}
	return nil, problem("invalid-request", "policy_name %q: not offered; the server offers %s", name, strings.Join(names, ", "))
}
