//go:build linux

package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cordonsec/cordon"
	"github.com/cordonsec/cordon/analysis"
	"github.com/cordonsec/cordon/audit"
	"github.com/cordonsec/cordon/internal/testenv"
	"github.com/cordonsec/cordon/interp"
)

// rig is a service with two tenants (acme, other) on an httptest server.
type rig struct {
	t       *testing.T
	dir     string
	cfgFile string
	srv     *Server
	hs      *httptest.Server
	tokens  map[string]string // tenant -> token
}

const ceilingYAML = `
limits:
  wall_time: 10s
  cpu_time: 5s
  output: 64KiB
runtime:
  interpreter: /usr/bin/python3
analysis:
  block: "off"
`

func needPython(t *testing.T) {
	t.Helper()
	if _, err := interp.Resolve(testenv.NeedPython(t)); err != nil {
		testenv.Missing(t, "no python3 to sandbox: %v", err)
	}
}

// newRig starts a service; extra is appended to the config (YAML).
func newRig(t *testing.T, extra string) *rig {
	t.Helper()
	needPython(t)
	dir := t.TempDir()
	ceiling := ceilingYAML
	if os.Geteuid() != 0 {
		ceiling += "isolation:\n  allow_degraded: [cgroup]\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "ceiling.yaml"), []byte(ceiling), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cb.key"), bytes.Repeat([]byte("k"), 32), 0o600); err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, dir: dir, tokens: map[string]string{}}
	var hashes [2]string
	for i, n := range []string{"acme", "other"} {
		tok, h := NewToken()
		r.tokens[n] = tok
		hashes[i] = h
	}
	cfg := fmt.Sprintf(`state_dir: state
audit_dir: audit
workers: 2
queue: 8
max_wait: 30s
max_body: 256KiB
callback:
  allow_loopback: true
  deadline: 20s
tenants:
  - name: acme
    token_sha256: [%s]
    policy: ceiling.yaml
    concurrency: 2
    queued: 4
    callback_secret_file: cb.key
  - name: other
    token_sha256: [%s]
    policy: ceiling.yaml
`, hashes[0], hashes[1]) + extra
	r.cfgFile = filepath.Join(dir, "server.yaml")
	if err := os.WriteFile(r.cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	r.start()
	return r
}

func (r *rig) start() {
	c, err := LoadConfig(r.cfgFile)
	if err != nil {
		r.t.Fatal(err)
	}
	r.srv, err = New(c, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	r.hs = httptest.NewServer(r.srv.Handler())
	r.t.Cleanup(r.stop)
}

func (r *rig) stop() {
	if r.hs == nil {
		return
	}
	r.hs.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.srv.Shutdown(ctx); err != nil {
		r.t.Errorf("shutdown: %v", err)
	}
	r.hs = nil
}

// do sends a request as tenant (no token for ""), body JSON-encoded unless
// it is a string or []byte.
func (r *rig) do(method, path, tenant string, body any, hdr ...string) (*http.Response, []byte) {
	r.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, r.hs.URL+path, rd)
	if err != nil {
		r.t.Fatal(err)
	}
	if tenant != "" {
		req.Header.Set("Authorization", "Bearer "+r.tokens[tenant])
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func (r *rig) view(b []byte) RunView {
	r.t.Helper()
	var v RunView
	if err := json.Unmarshal(b, &v); err != nil {
		r.t.Fatalf("not a run: %v: %s", err, b)
	}
	return v
}

// problemOf checks resp is a problem of type name and returns it.
func (r *rig) problemOf(resp *http.Response, b []byte, name string) Problem {
	r.t.Helper()
	var p Problem
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		r.t.Fatalf("Content-Type %q, want application/problem+json (status %d: %s)", ct, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, &p); err != nil {
		r.t.Fatal(err)
	}
	if p.Type != problemBase+name || p.Status != resp.StatusCode || p.Status != problemTypes[name].status {
		r.t.Fatalf("got %d %s, want %d %s: %s", resp.StatusCode, p.Type, problemTypes[name].status, name, b)
	}
	return p
}

// wait polls a run until it finished.
func (r *rig) wait(tenant, id string) RunView {
	r.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, b := r.do("GET", "/v1/runs/"+id, tenant, nil)
		if resp.StatusCode != 200 {
			r.t.Fatalf("GET run: %d %s", resp.StatusCode, b)
		}
		v := r.view(b)
		if v.FinishedAt != nil {
			return v
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.t.Fatalf("run %s did not finish", id)
	return RunView{}
}

// checkEvidence checks the run's proof offline and that its record names
// the run and the tenant.
func (r *rig) checkEvidence(v RunView, tenant string) {
	r.t.Helper()
	if v.Evidence == nil || v.Result == nil || v.Result.Audit == nil {
		r.t.Fatalf("no evidence: %+v (%s)", v, v.EvidenceError)
	}
	cp, recs, err := audit.CheckProof(v.Evidence, r.srv.ev.log.Verifier())
	if err != nil {
		r.t.Fatalf("evidence does not check: %v", err)
	}
	if len(recs) != 1 || recs[0].Kind != audit.KindRunEnd || recs[0].RunID != v.ID || recs[0].Tenant != tenant ||
		v.Evidence.Records[0].Index != v.Result.Audit.Index || cp.Size <= v.Result.Audit.Index ||
		v.Evidence.Records[0].Hash.String() != v.Result.Audit.LeafHash {
		r.t.Fatalf("evidence names another record: %+v %+v", recs, v.Result.Audit)
	}
}

func TestRunWaitAndEvidence(t *testing.T) {
	r := newRig(t, "")
	resp, b := r.do("POST", "/v1/runs?wait=30", "acme", map[string]any{
		"source": "import sys\nprint('hello', sys.argv[1:], sys.stdin.read())\n",
		"args":   []string{"a", "b"}, "stdin": "in",
	})
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	v := r.view(b)
	if v.Status != "ok" || v.Result.Status != "ok" || v.Result.Stdout != "hello ['a', 'b'] in\n" || v.Result.ID != v.ID {
		t.Fatalf("run: %+v", v.Result)
	}
	if resp.Header.Get("Location") != "/v1/runs/"+v.ID {
		t.Errorf("Location %q", resp.Header.Get("Location"))
	}
	r.checkEvidence(v, "acme")
	// The proof endpoint gives the same record.
	resp, b = r.do("GET", fmt.Sprintf("/v1/audit/proof/%d", v.Result.Audit.Index), "acme", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("proof: %d %s", resp.StatusCode, b)
	}
	// ... and to the tenant only.
	resp, b = r.do("GET", fmt.Sprintf("/v1/audit/proof/%d", v.Result.Audit.Index), "other", nil)
	r.problemOf(resp, b, "not-found")
	resp, b = r.do("GET", "/v1/audit/checkpoint", "acme", nil)
	var cv CheckpointView
	if resp.StatusCode != 200 || json.Unmarshal(b, &cv) != nil || cv.Size <= v.Result.Audit.Index {
		t.Fatalf("checkpoint: %d %s", resp.StatusCode, b)
	}
	// Every record of the run names the tenant.
	n := 0
	err := audit.ReadRecords(r.srv.ev.log.Dir(), func(_ int64, rec audit.Record) error {
		if rec.RunID == v.ID {
			n++
			if rec.Tenant != "acme" {
				t.Errorf("record %s without the tenant: %+v", rec.Kind, rec)
			}
		}
		return nil
	})
	if err != nil || n < 2 {
		t.Fatalf("records of the run: %d, %v", n, err)
	}
}

func TestRunFilesAndAsync(t *testing.T) {
	r := newRig(t, "")
	resp, b := r.do("POST", "/v1/runs", "acme", map[string]any{
		"entrypoint": "main.py",
		"files": []map[string]string{
			{"path": "main.py", "content": "import helper\nprint(helper.X, open('data.bin','rb').read())\n"},
			{"path": "helper.py", "content": "X = 42\n"},
			{"path": "data.bin", "content": "AAEC", "encoding": "base64"},
		},
	})
	if resp.StatusCode != 202 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	v := r.view(b)
	if resp.Header.Get("Location") != "/v1/runs/"+v.ID {
		t.Fatalf("Location %q", resp.Header.Get("Location"))
	}
	v = r.wait("acme", v.ID)
	if v.Result.Status != "ok" || v.Result.Stdout != "42 b'\\x00\\x01\\x02'\n" {
		t.Fatalf("run: %+v", v.Result)
	}
	// The input files are gone once the run ended.
	if _, err := os.Stat(filepath.Join(r.dir, "state", "inputs", v.ID)); !os.IsNotExist(err) {
		t.Errorf("input dir left behind: %v", err)
	}
	if _, err := os.Stat(filepath.Join(r.dir, "state", "journal", v.ID+".json")); !os.IsNotExist(err) {
		t.Errorf("journal entry left behind: %v", err)
	}
}

func TestErrors(t *testing.T) {
	r := newRig(t, "")
	ok := map[string]any{"source": "print(1)"}
	_, b := r.do("POST", "/v1/runs?wait=30", "acme", ok)
	done := r.view(b)
	big := strings.Repeat("x", 300<<10)
	for _, c := range []struct {
		name, method, path, tenant string
		body                       any
		hdr                        []string
		want                       string
	}{
		{"no token", "POST", "/v1/runs", "", ok, nil, "unauthorized"},
		{"wrong token", "POST", "/v1/runs", "", ok, []string{"Authorization", "Bearer cdn_nope"}, "unauthorized"},
		{"bad json", "POST", "/v1/runs", "acme", `{"source": `, nil, "bad-json"},
		{"trailing data", "POST", "/v1/runs", "acme", `{"source": "print(1)"} {}`, nil, "bad-json"},
		{"wrong type", "POST", "/v1/runs", "acme", `{"args": "a"}`, nil, "bad-json"},
		{"unknown field", "POST", "/v1/runs", "acme", `{"source": "print(1)", "scirpt": 1}`, nil, "unknown-field"},
		{"oversized body", "POST", "/v1/runs", "acme", map[string]any{"source": big}, nil, "body-too-large"},
		{"media type", "POST", "/v1/runs", "acme", "source=1", []string{"Content-Type", "text/plain"}, "unsupported-media"},
		{"no script", "POST", "/v1/runs", "acme", map[string]any{}, nil, "invalid-request"},
		{"both", "POST", "/v1/runs", "acme", map[string]any{"source": "1", "entrypoint": "a.py"}, nil, "invalid-request"},
		{"entrypoint missing", "POST", "/v1/runs", "acme", map[string]any{"entrypoint": "a.py", "files": []map[string]string{{"path": "b.py", "content": ""}}}, nil, "invalid-request"},
		{"path with folder", "POST", "/v1/runs", "acme", map[string]any{"source": "1", "files": []map[string]string{{"path": "../x", "content": ""}}}, nil, "invalid-request"},
		{"bad base64", "POST", "/v1/runs", "acme", map[string]any{"source": "1", "stdin": "!!", "stdin_encoding": "base64"}, nil, "invalid-request"},
		{"env not passed", "POST", "/v1/runs", "acme", map[string]any{"source": "1", "env": map[string]string{"SECRET": "x"}}, nil, "invalid-request"},
		{"loosen ceiling", "POST", "/v1/runs", "acme", map[string]any{"source": "1", "policy": map[string]any{"limits": map[string]string{"wall_time": "1h"}}}, nil, "policy-loosens"},
		{"loosen network", "POST", "/v1/runs", "acme", map[string]any{"source": "1", "policy": map[string]any{"network": map[string]any{"mode": "host", "unsafe_host": true}}}, nil, "policy-loosens"},
		{"bad override", "POST", "/v1/runs", "acme", map[string]any{"source": "1", "policy": map[string]any{"limits": map[string]string{"memroy": "1MiB"}}}, nil, "policy-invalid"},
		{"wait past cap", "POST", "/v1/runs?wait=31", "acme", ok, nil, "wait-too-long"},
		{"wait not a number", "POST", "/v1/runs?wait=soon", "acme", ok, nil, "invalid-request"},
		{"callback without secret", "POST", "/v1/runs", "other", map[string]any{"source": "1", "callback": "http://127.0.0.1:1/"}, nil, "callback-not-allowed"},
		{"callback not http", "POST", "/v1/runs", "acme", map[string]any{"source": "1", "callback": "file:///etc/passwd"}, nil, "callback-not-allowed"},
		{"another tenant's run", "GET", "/v1/runs/" + done.ID, "other", nil, nil, "not-found"},
		{"another tenant's cancel", "DELETE", "/v1/runs/" + done.ID, "other", nil, nil, "not-found"},
		{"another tenant's events", "GET", "/v1/runs/" + done.ID + "/events", "other", nil, nil, "not-found"},
		{"no such run", "GET", "/v1/runs/0000000000000000", "acme", nil, nil, "not-found"},
		{"cancel finished", "DELETE", "/v1/runs/" + done.ID, "acme", nil, nil, "run-finished"},
		{"bad status filter", "GET", "/v1/runs?status=fine", "acme", nil, nil, "invalid-request"},
		{"bad limit", "GET", "/v1/runs?limit=0", "acme", nil, nil, "invalid-request"},
		{"bad proof index", "GET", "/v1/audit/proof/x", "acme", nil, nil, "invalid-request"},
		{"proof past the log", "GET", "/v1/audit/proof/999999", "acme", nil, nil, "record-not-covered"},
		{"no route", "GET", "/v2/runs", "acme", nil, nil, "not-found"},
		{"wrong method", "PUT", "/v1/runs", "acme", nil, nil, "method-not-allowed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r.t = t
			resp, b := r.do(c.method, c.path, c.tenant, c.body, c.hdr...)
			p := r.problemOf(resp, b, c.want)
			if c.want == "policy-loosens" && (len(p.Errors) == 0 || p.Errors[0].Field == "") {
				t.Errorf("loosening names no field: %s", b)
			}
			if c.want == "policy-invalid" && (len(p.Errors) == 0 || p.Errors[0].Line == 0) {
				t.Errorf("override error has no place: %s", b)
			}
			if c.want == "unauthorized" && resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
		})
	}
}

func TestTightenAccepted(t *testing.T) {
	r := newRig(t, "")
	resp, b := r.do("POST", "/v1/runs?wait=30", "acme", map[string]any{
		"source": "print('x' * 5000)", "policy": map[string]any{"limits": map[string]string{"output": "1KiB"}},
	})
	v := r.view(b)
	if resp.StatusCode != 200 || v.Result.Status != "output-limit" || len(v.Result.Stdout) != 1024 {
		t.Fatalf("%d: %+v", resp.StatusCode, v.Result)
	}
}

func TestRevokedToken(t *testing.T) {
	r := newRig(t, "")
	old := r.tokens["acme"]
	tok, h := NewToken()
	cfg, _ := os.ReadFile(r.cfgFile)
	cfg = bytes.Replace(cfg, []byte(TokenHash(old)), []byte(h), 1)
	if err := os.WriteFile(r.cfgFile, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	// A run in flight across the reload is not dropped.
	_, b := r.do("POST", "/v1/runs", "acme", map[string]any{"source": "import time; time.sleep(1); print('kept')"})
	id := r.view(b).ID
	c, err := LoadConfig(r.cfgFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.srv.Reload(c); err != nil {
		t.Fatal(err)
	}
	resp, b := r.do("GET", "/v1/runs/"+id, "acme", nil)
	r.problemOf(resp, b, "unauthorized")
	r.tokens["acme"] = tok
	v := r.wait("acme", id)
	if v.Result.Stdout != "kept\n" {
		t.Fatalf("run across reload: %+v", v.Result)
	}
}

func TestCancel(t *testing.T) {
	r := newRig(t, "")
	_, b := r.do("POST", "/v1/runs", "acme", map[string]any{"source": "import time\nprint('started', flush=True)\ntime.sleep(30)\n"})
	id := r.view(b).ID
	// Wait until it runs.
	for i := 0; i < 200; i++ {
		_, b = r.do("GET", "/v1/runs/"+id, "acme", nil)
		if r.view(b).Status == stateRunning {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	start := time.Now()
	resp, b := r.do("DELETE", "/v1/runs/"+id, "acme", nil)
	v := r.view(b)
	if resp.StatusCode != 200 || v.Status != statusCanceled || time.Since(start) > 10*time.Second {
		t.Fatalf("cancel: %d %s", resp.StatusCode, b)
	}
	r.checkEvidence(v, "acme")
	resp, b = r.do("GET", "/v1/runs?status=canceled", "acme", nil)
	var l RunList
	if err := json.Unmarshal(b, &l); err != nil || len(l.Runs) != 1 || l.Runs[0].ID != id {
		t.Fatalf("list canceled: %d %s", resp.StatusCode, b)
	}
}

func TestQuotasAndBackPressure(t *testing.T) {
	// acme: concurrency 2, queued 4; the server: 2 workers, queue 8.
	r := newRig(t, "")
	sleeper := map[string]any{"source": "import time; time.sleep(3)"}
	var ids []string
	owner := map[string]string{}
	var quota *http.Response
	for i := 0; i < 10; i++ {
		resp, b := r.do("POST", "/v1/runs", "acme", sleeper)
		if resp.StatusCode == 202 {
			ids = append(ids, r.view(b).ID)
			owner[r.view(b).ID] = "acme"
			continue
		}
		r.problemOf(resp, b, "tenant-quota")
		quota = resp
		break
	}
	if quota == nil || quota.Header.Get("Retry-After") == "" {
		t.Fatalf("no 429 with Retry-After after %d runs", len(ids))
	}
	// 2 running + 4 queued.
	if len(ids) != 6 {
		t.Errorf("accepted %d runs before the quota, want 6", len(ids))
	}
	// The other tenant fills what is left of the server's queue (8 - 4).
	var busy bool
	for i := 0; i < 10; i++ {
		resp, b := r.do("POST", "/v1/runs", "other", sleeper)
		if resp.StatusCode == 202 {
			ids = append(ids, r.view(b).ID)
			owner[r.view(b).ID] = "other"
			continue
		}
		if resp.StatusCode == 503 {
			r.problemOf(resp, b, "server-busy")
			if resp.Header.Get("Retry-After") == "" {
				t.Fatal("503 without Retry-After")
			}
			busy = true
			break
		}
		r.problemOf(resp, b, "tenant-quota")
		break
	}
	if !busy {
		t.Fatal("no 503 when the server's queue was full")
	}
	// Cancel the queued ones; every accepted run ends and is audited.
	for _, id := range ids {
		r.do("DELETE", "/v1/runs/"+id, owner[id], nil)
	}
	for _, id := range ids {
		v := r.wait(owner[id], id)
		if v.Status != statusCanceled && v.Status != "ok" {
			t.Errorf("run %s: %s", id, v.Status)
		}
		r.checkEvidence(v, owner[id])
	}
}

func TestRateLimit(t *testing.T) {
	r := newRig(t, "")
	c, _ := LoadConfig(r.cfgFile)
	c.Tenants[1].RunsPerMinute, c.Tenants[1].Burst = 1, 1
	if err := r.srv.Reload(c); err != nil {
		t.Fatal(err)
	}
	resp, b := r.do("POST", "/v1/runs?wait=30", "other", map[string]any{"source": "1"})
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	resp, b = r.do("POST", "/v1/runs", "other", map[string]any{"source": "1"})
	r.problemOf(resp, b, "rate-limited")
	if ra := resp.Header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Fatalf("Retry-After %q", ra)
	}
}

func TestIdempotency(t *testing.T) {
	r := newRig(t, "")
	body := map[string]any{"source": "print(7)", "idempotency_key": "job-1"}
	_, b := r.do("POST", "/v1/runs?wait=30", "acme", body)
	first := r.view(b)
	resp, b := r.do("POST", "/v1/runs?wait=30", "acme", body)
	if second := r.view(b); second.ID != first.ID || resp.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay gave run %s, want %s", second.ID, first.ID)
	}
	resp, b = r.do("POST", "/v1/runs", "acme", map[string]any{"source": "print(8)", "idempotency_key": "job-1"})
	r.problemOf(resp, b, "idempotency-conflict")
	// Keys are per tenant.
	resp, b = r.do("POST", "/v1/runs?wait=30", "other", body)
	if v := r.view(b); resp.StatusCode != 200 || v.ID == first.ID {
		t.Fatalf("other tenant's key: %d %s", resp.StatusCode, b)
	}
}

func TestListPaginated(t *testing.T) {
	r := newRig(t, "")
	var ids []string
	for i := 0; i < 3; i++ {
		_, b := r.do("POST", "/v1/runs?wait=30", "acme", map[string]any{"source": fmt.Sprintf("print(%d)", i)})
		ids = append(ids, r.view(b).ID)
	}
	r.do("POST", "/v1/runs?wait=30", "other", map[string]any{"source": "1"})
	var got []string
	next := ""
	for {
		_, b := r.do("GET", "/v1/runs?limit=2&status=ok&after="+next, "acme", nil)
		var l RunList
		if err := json.Unmarshal(b, &l); err != nil {
			t.Fatal(err)
		}
		for _, v := range l.Runs {
			got = append(got, v.ID)
		}
		if l.Next == "" {
			break
		}
		next = l.Next
	}
	if len(got) != 3 || got[0] != ids[2] || got[2] != ids[0] {
		t.Fatalf("listed %v, want newest first of %v", got, ids)
	}
}

// sse reads events from resp until fn returns false.
func readSSE(t *testing.T, body io.Reader, fn func(event, id, data string) bool) {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var ev, id, data string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev != "" && !fn(ev, id, data) {
				return
			}
			ev, id, data = "", "", ""
		case strings.HasPrefix(line, "event: "):
			ev = line[7:]
		case strings.HasPrefix(line, "id: "):
			id = line[4:]
		case strings.HasPrefix(line, "data: "):
			data = line[6:]
		}
	}
}

func (r *rig) events(id, tenant, last string) *http.Response {
	req, _ := http.NewRequest("GET", r.hs.URL+"/v1/runs/"+id+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+r.tokens[tenant])
	if last != "" {
		req.Header.Set("Last-Event-ID", last)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	return resp
}

func TestEventsStreamAndResume(t *testing.T) {
	r := newRig(t, "")
	src := "import sys, time\nfor i in range(4):\n    print('line', i, flush=True)\n    time.sleep(0.3)\nprint('err', file=sys.stderr)\n"
	_, b := r.do("POST", "/v1/runs", "acme", map[string]any{"source": src})
	id := r.view(b).ID
	resp := r.events(id, "acme", "")
	var lastID string
	var firstChunkBeforeEnd bool
	readSSE(t, resp.Body, func(ev, eid, data string) bool {
		if ev == "stdout" {
			// A chunk came while the run was still going.
			_, b := r.do("GET", "/v1/runs/"+id, "acme", nil)
			if r.view(b).FinishedAt == nil {
				firstChunkBeforeEnd = true
			}
			lastID = eid
			return false // disconnect after the first chunk
		}
		return true
	})
	resp.Body.Close()
	if !firstChunkBeforeEnd {
		t.Fatal("no stdout chunk arrived before the run ended")
	}
	// Resume: the rest of stdout, then stderr, then the result.
	resp = r.events(id, "acme", lastID)
	defer resp.Body.Close()
	var out, errOut strings.Builder
	var final RunView
	readSSE(t, resp.Body, func(ev, eid, data string) bool {
		var c struct {
			Offset int    `json:"offset"`
			Text   string `json:"text"`
		}
		switch ev {
		case "stdout":
			json.Unmarshal([]byte(data), &c)
			out.WriteString(c.Text)
		case "stderr":
			json.Unmarshal([]byte(data), &c)
			errOut.WriteString(c.Text)
		case "result":
			json.Unmarshal([]byte(data), &final)
			return false
		}
		return true
	})
	if final.Result == nil {
		t.Fatal("no result event")
	}
	if got := "line 0\n" + out.String(); got != final.Result.Stdout {
		t.Fatalf("first chunk + resumed stream = %q, result stdout %q", got, final.Result.Stdout)
	}
	if errOut.String() != "err\n" {
		t.Fatalf("stderr %q", errOut.String())
	}
}

func TestEventsFloodBounded(t *testing.T) {
	r := newRig(t, "")
	// A client that never reads while the script floods: the run ends
	// with output-limit regardless, holding at most the cap.
	_, b := r.do("POST", "/v1/runs", "acme", map[string]any{"source": "import sys\nwhile True:\n    sys.stdout.write('y' * 65536)\n"})
	id := r.view(b).ID
	resp := r.events(id, "acme", "")
	defer resp.Body.Close() // never read
	v := r.wait("acme", id)
	if v.Result.Status != "output-limit" || len(v.Result.Stdout) != 64<<10 {
		t.Fatalf("flood: %s, %d bytes kept", v.Result.Status, len(v.Result.Stdout))
	}
	run := r.srv.st.get("acme", id)
	_, n, ended, _ := run.out.read(0, 0, 0)
	if !ended || n != 64<<10 {
		t.Fatalf("stream holds %d bytes (ended %v), want the cap", n, ended)
	}
}

func TestCallbackSigned(t *testing.T) {
	r := newRig(t, "")
	got := make(chan *http.Request, 4)
	bodies := make(chan []byte, 4)
	calls := 0
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		calls++
		if calls == 1 {
			w.WriteHeader(500) // the first attempt fails: retried
			return
		}
		got <- req
		bodies <- b
	}))
	defer cb.Close()
	_, b := r.do("POST", "/v1/runs", "acme", map[string]any{"source": "print('cb')", "callback": cb.URL + "/hook"})
	id := r.view(b).ID
	var req *http.Request
	select {
	case req = <-got:
	case <-time.After(30 * time.Second):
		t.Fatal("no callback")
	}
	body := <-bodies
	if err := Verify(bytes.Repeat([]byte("k"), 32), body, req.Header.Get("Cordon-Signature"), time.Now()); err != nil {
		t.Fatalf("signature: %v", err)
	}
	if err := Verify([]byte("wrong key wrong key wrong key 32b"), body, req.Header.Get("Cordon-Signature"), time.Now()); err == nil {
		t.Fatal("a wrong key verifies")
	}
	if err := Verify(bytes.Repeat([]byte("k"), 32), body, req.Header.Get("Cordon-Signature"), time.Now().Add(time.Hour)); err == nil {
		t.Fatal("a replay an hour later verifies")
	}
	var v RunView
	if err := json.Unmarshal(body, &v); err != nil || v.ID != id || v.Result.Stdout != "cb\n" {
		t.Fatalf("callback body: %s", body)
	}
	time.Sleep(100 * time.Millisecond)
	_, b = r.do("GET", "/v1/runs/"+id, "acme", nil)
	d := r.view(b).Callback.Deliveries
	if len(d) != 2 || d[0].Status != 500 || d[1].Status != 200 {
		t.Fatalf("deliveries: %+v", d)
	}
}

func TestRestartRecordsInterrupted(t *testing.T) {
	r := newRig(t, "")
	r.stop()
	// A previous process accepted a run and died.
	j := journalEntry{ID: "00000000deadbeef", Tenant: "acme", Created: time.Now(), Script: "script.py",
		ScriptSHA256: strings.Repeat("0", 64), PolicyHash: "x"}
	jr, _ := openJournal(filepath.Join(r.dir, "state"))
	if err := jr.add(j); err != nil {
		t.Fatal(err)
	}
	r.start()
	var end *audit.Record
	audit.ReadRecords(r.srv.ev.log.Dir(), func(_ int64, rec audit.Record) error {
		if rec.RunID == j.ID && rec.Kind == audit.KindRunEnd {
			end = &rec
		}
		return nil
	})
	if end == nil || end.End.Status != "internal-error" || !strings.Contains(end.End.Error, "interrupted") || end.Tenant != "acme" {
		t.Fatalf("interrupted run not recorded: %+v", end)
	}
	if left, _ := jr.left(); len(left) != 0 {
		t.Fatalf("journal still holds %v", left)
	}
}

func TestHealthAndPolicy(t *testing.T) {
	r := newRig(t, "")
	for _, p := range []string{"/healthz", "/readyz", "/metrics", "/v1/openapi.json"} {
		if resp, b := r.do("GET", p, "", nil); resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", p, resp.StatusCode, b)
		}
	}
	resp, b := r.do("GET", "/v1/policy", "acme", nil)
	if resp.StatusCode != 200 || !bytes.Contains(b, []byte(`"interpreter": "/usr/bin/python3"`)) {
		t.Fatalf("policy: %d %s", resp.StatusCode, b)
	}
	_, b = r.do("GET", "/metrics", "", nil)
	for _, m := range []string{"cordon_runs_finished_total", "cordon_queue_depth", "cordon_runs_in_flight", "cordon_http_requests_total"} {
		if !bytes.Contains(b, []byte(m)) {
			t.Errorf("metrics lack %s", m)
		}
	}
	if bytes.Contains(b, []byte("acme")) {
		t.Error("a tenant's name is in the metrics")
	}
	// Without its audit log the service is not ready.
	auditDir := filepath.Join(r.dir, "audit")
	if err := os.Rename(auditDir, auditDir+".away"); err != nil {
		t.Fatal(err)
	}
	resp, b = r.do("GET", "/readyz", "", nil)
	r.problemOf(resp, b, "not-ready")
	if err := os.Rename(auditDir+".away", auditDir); err != nil {
		t.Fatal(err)
	}
	if resp, _ := r.do("GET", "/readyz", "", nil); resp.StatusCode != 200 {
		t.Fatalf("ready again: %d", resp.StatusCode)
	}
}

func TestConfigErrorsHavePositions(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"listen: 1\nworkers: many\n", "c.yaml:2:10: workers: want a whole number"},
		{"state_dir: s\naudit_dir: a\ntenants:\n  - name: Acme!\n    token_sha256: [abc]\n    policy: p.yaml\n", "c.yaml:4:11: tenants[0].name"},
		{"state_dir: s\naudit_dir: a\ntenants:\n  - name: a\n    token_sha256: [abc]\n    policy: p.yaml\n", "c.yaml:5:20: tenants[0].token_sha256[0]: want 64"},
		{"tenant: []\n", `c.yaml:1:1: unknown key "tenant" (did you mean "tenants"?)`},
	} {
		_, err := ParseConfig("c.yaml", []byte(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.yaml, err, c.want)
		}
	}
}

func TestOutputs(t *testing.T) {
	r := newRig(t, "")
	_, b := r.do("POST", "/v1/runs?wait=30", "acme", map[string]any{
		"source":  "import os\nos.makedirs('out', exist_ok=True)\nopen('out/a.csv','w').write('x,y\\n')\nopen('b.txt','w').write('no')\n",
		"outputs": []string{"out/*.csv"},
	})
	v := r.view(b)
	if v.Result == nil || len(v.Result.Outputs) != 1 || v.Result.Outputs[0].Path != "out/a.csv" {
		t.Fatalf("outputs: %s", b)
	}
	resp, b := r.do("GET", "/v1/runs/"+v.ID+"/outputs/out/a.csv", "acme", nil)
	if resp.StatusCode != 200 || string(b) != "x,y\n" {
		t.Fatalf("output: %d %q", resp.StatusCode, b)
	}
	for _, p := range []string{"b.txt", "out/b.csv", "..%2f..%2fetc%2fpasswd", "%2fetc%2fpasswd"} {
		resp, b = r.do("GET", "/v1/runs/"+v.ID+"/outputs/"+p, "acme", nil)
		if resp.StatusCode != 404 {
			t.Errorf("%s: %d %s", p, resp.StatusCode, b)
		}
	}
	resp, b = r.do("GET", "/v1/runs/"+v.ID+"/outputs/out/a.csv", "other", nil)
	r.problemOf(resp, b, "not-found")
	resp, b = r.do("POST", "/v1/runs", "acme", map[string]any{"source": "1", "outputs": []string{"/etc/*"}})
	r.problemOf(resp, b, "invalid-request")
}

func TestCheck(t *testing.T) {
	r := newRig(t, "")
	src := "import os\nos.system('rm -rf /' + input())\n"
	resp, b := r.do("POST", "/v1/check", "acme", map[string]any{"source": src, "fail_on": "medium"})
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	rep, err := analysis.Analyze(context.Background(), "script.py", []byte(src), analysis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(analysis.NewCheckReport([]*analysis.Report{rep}, nil, "medium"))
	var got, exp any
	json.Unmarshal(b, &got)
	json.Unmarshal(want, &exp)
	if fmt.Sprint(got) != fmt.Sprint(exp) || !bytes.Contains(b, []byte(`"failed":true`)) {
		t.Fatalf("check:\n got %s\nwant %s", b, want)
	}
	resp, b = r.do("POST", "/v1/check", "acme", map[string]any{"source": "1", "fail_on": "sometimes"})
	r.problemOf(resp, b, "invalid-request")
}

func TestGracefulShutdown(t *testing.T) {
	for _, c := range []struct {
		name     string
		deadline time.Duration
		running  string // status of the run that was executing
	}{
		{"finish", 20 * time.Second, "ok"},
		{"cancel at the deadline", 300 * time.Millisecond, statusCanceled},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(t, "")
			r.t = t
			// acme: concurrency 2 — two run, two wait.
			var ids []string
			for range 4 {
				_, b := r.do("POST", "/v1/runs", "acme", map[string]any{"source": "import time; time.sleep(1.5); print('done')"})
				ids = append(ids, r.view(b).ID)
			}
			for i := 0; i < 200; i++ {
				if _, b := r.do("GET", "/v1/runs/"+ids[1], "acme", nil); r.view(b).Status == stateRunning {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			runs := []*Run{}
			for _, id := range ids {
				runs = append(runs, r.srv.st.get("acme", id))
			}
			ctx, cancel := context.WithTimeout(context.Background(), c.deadline)
			defer cancel()
			errc := make(chan error, 1)
			go func() { errc <- r.srv.Shutdown(ctx) }()
			time.Sleep(50 * time.Millisecond)
			resp, b := r.do("POST", "/v1/runs", "acme", map[string]any{"source": "1"})
			r.problemOf(resp, b, "shutting-down")
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
			r.hs.Close()
			r.hs = nil // stopped
			for i, run := range runs {
				v := run.view()
				want := statusCanceled
				if i < 2 {
					want = c.running
				}
				if v.Status != want {
					t.Errorf("run %d: %s, want %s", i, v.Status, want)
				}
			}
			// The log is sealed: a checkpoint covers every record, and
			// every run has its end record.
			rep, err := audit.Verify(filepath.Join(r.dir, "audit"), audit.VerifyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ends := map[string]string{}
			audit.ReadRecords(filepath.Join(r.dir, "audit"), func(_ int64, rec audit.Record) error {
				if rec.Kind == audit.KindRunEnd {
					ends[rec.RunID] = rec.End.Status
				}
				return nil
			})
			for i, id := range ids {
				if ends[id] == "" {
					t.Errorf("run %d has no end record", i)
				}
			}
			if !rep.Clean() || rep.Sealed != rep.Records {
				t.Errorf("after shutdown: %d records, sealed %d, findings %v", rep.Records, rep.Sealed, rep.Findings)
			}
		})
	}
}

// hangingRunner never returns from Run until released (a sandbox that
// does not end).
type hangingRunner struct {
	runner
	release chan struct{}
}

func (h *hangingRunner) Run(ctx context.Context, job cordon.Job) (cordon.Result, error) {
	<-h.release
	return cordon.Result{}, ctx.Err()
}

func TestStuckRunGivenUp(t *testing.T) {
	r := newRig(t, "")
	h := &hangingRunner{runner: r.srv.ex, release: make(chan struct{})}
	defer close(h.release)
	r.srv.ex = h
	old := stuckGrace
	stuckGrace = 200 * time.Millisecond
	defer func() { stuckGrace = old }()
	resp, b := r.do("POST", "/v1/runs?wait=20", "acme", map[string]any{"source": "print(1)",
		"policy": map[string]any{"limits": map[string]string{"wall_time": "1s", "cpu_time": "1s"}}})
	v := r.view(b)
	if resp.StatusCode != 200 || v.Status != "internal-error" || !strings.Contains(v.Result.Error, "given up") {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	r.checkEvidence(v, "acme")
	// The tenant's slot is free again: another run is taken. The worker
	// frees it just after publishing the result the client got, so it is
	// looked at until it is (a slot never freed still fails).
	deadline := time.Now().Add(10 * time.Second)
	for r.srv.q.Running() != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := r.srv.q.Running(); n != 0 {
		t.Fatalf("%d runs still hold a slot", n)
	}
}

func TestIdempotencyConcurrent(t *testing.T) {
	r := newRig(t, "")
	body := map[string]any{"source": "print(1)", "idempotency_key": "twin"}
	ids := make(chan string, 4)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, b := r.do("POST", "/v1/runs", "acme", body)
			var v RunView
			json.Unmarshal(b, &v)
			ids <- v.ID
		}()
	}
	wg.Wait()
	close(ids)
	first := ""
	for id := range ids {
		if first == "" {
			first = id
		}
		if id == "" || id != first {
			t.Fatalf("concurrent twins got runs %q and %q", first, id)
		}
	}
}
