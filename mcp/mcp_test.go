//go:build linux

package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cordonsec/cordon/audit"
	"github.com/cordonsec/cordon/internal/testenv"
	"github.com/cordonsec/cordon/interp"
	"github.com/cordonsec/cordon/policy"
	"github.com/cordonsec/cordon/server"
)

// ceilingYAML is the tests' ceiling: short limits, analysis blocking high.
const ceilingYAML = `
limits:
  wall_time: 10s
  cpu_time: 5s
  memory: 256MiB
  output: 64KiB
runtime:
  interpreter: /usr/bin/python3
`

// offerYAML is a policy the tests offer by name: tighter than the ceiling.
const offerYAML = `
limits:
  wall_time: 3s
  cpu_time: 2s
  output: 64KiB
runtime:
  interpreter: /usr/bin/python3
`

func needPython(t *testing.T) {
	t.Helper()
	if _, err := interp.Resolve(testenv.NeedPython(t)); err != nil {
		testenv.Missing(t, "no python3 to sandbox: %v", err)
	}
}

func writePolicies(t *testing.T, dir string) {
	t.Helper()
	extra := ""
	if os.Geteuid() != 0 {
		extra = "isolation:\n  allow_degraded: [cgroup]\n"
	}
	for name, y := range map[string]string{"ceiling.yaml": ceilingYAML, "short.yaml": offerYAML} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(y+extra), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// localSession is an SDK client session with the tools of a NewLocal
// service over the in-memory transport; it returns the audit dir too.
func localSession(t *testing.T, opts Options) (*sdk.ClientSession, string) {
	t.Helper()
	s, auditDir := localServer(t, opts)
	st, ct := sdk.NewInMemoryTransports()
	ss, err := s.Connect(context.Background(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	return connect(t, ct), auditDir
}

// localServer is the MCP server of a NewLocal service, and its audit dir.
func localServer(t *testing.T, opts Options) (*sdk.Server, string) {
	t.Helper()
	needPython(t)
	dir := t.TempDir()
	writePolicies(t, dir)
	ceiling, err := policy.Load(filepath.Join(dir, "ceiling.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	short, err := policy.Load(filepath.Join(dir, "short.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ceiling.Audit.Dir = filepath.Join(dir, "audit")
	srv, err := server.NewLocal(server.LocalOptions{Ceiling: ceiling, Offers: map[string]*policy.Policy{"short": short},
		StateDir: filepath.Join(dir, "state"), Workers: 2, RunsPerMinute: 600, Burst: 100}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Shutdown(context.Background()); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	s, err := NewServer(srv, server.LocalTenant, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s, ceiling.Audit.Dir
}

func connect(t *testing.T, tr sdk.Transport) *sdk.ClientSession {
	t.Helper()
	c := sdk.NewClient(&sdk.Implementation{Name: "cordon-test", Version: "1.0"}, nil)
	cs, err := c.Connect(context.Background(), tr, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// call calls a tool with raw JSON arguments and decodes its structured
// output into out (when not an error).
func call(t *testing.T, cs *sdk.ClientSession, tool string, args string, out any) *sdk.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: tool, Arguments: json.RawMessage(args)})
	if err != nil {
		t.Fatalf("%s %s: protocol error %v", tool, args, err)
	}
	if !res.IsError && out != nil {
		b, _ := json.Marshal(res.StructuredContent)
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s: structured output %s: %v", tool, b, err)
		}
	}
	return res
}

func text(res *sdk.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*sdk.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// pngScript writes a valid 2x2 PNG with the standard library only, a text
// file and a binary file.
const pngScript = `import struct, zlib
def chunk(kind, data):
    c = struct.pack(">I", len(data)) + kind + data
    return c + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
open("plot.png", "wb").write(png)
open("notes.txt", "w").write("two by two\n")
open("blob.bin", "wb").write(bytes(range(256)))
print("wrote")
`

// testTools is the suite both transports run.
func testTools(t *testing.T, cs *sdk.ClientSession) {
	t.Run("list", func(t *testing.T) {
		lt, err := cs.ListTools(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]*sdk.Tool{}
		for _, tool := range lt.Tools {
			byName[tool.Name] = tool
		}
		for _, n := range []string{"run_python", "check_python", "explain_policy"} {
			tool := byName[n]
			if tool == nil {
				t.Fatalf("no tool %s in %v", n, lt.Tools)
			}
			if tool.OutputSchema == nil || tool.InputSchema == nil {
				t.Errorf("%s: schemas in %v, out %v", n, tool.InputSchema, tool.OutputSchema)
			}
		}
		in, _ := json.Marshal(byName["run_python"].InputSchema)
		var schema struct {
			Required   []string                   `json:"required"`
			Properties map[string]json.RawMessage `json:"properties"`
		}
		if err := json.Unmarshal(in, &schema); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(schema.Required, "source") {
			t.Errorf("run_python input: source not required: %s", in)
		}
		if !strings.Contains(string(schema.Properties["policy"]), `"short"`) {
			t.Errorf("run_python input: policy does not offer short: %s", schema.Properties["policy"])
		}
		out, _ := json.Marshal(byName["run_python"].OutputSchema)
		for _, f := range []string{"status", "exit_code", "stdout", "truncated", "findings", "usage", "files"} {
			if !strings.Contains(string(out), `"`+f+`"`) {
				t.Errorf("run_python output schema lacks %s: %s", f, out)
			}
		}
		d := byName["run_python"].Description
		for _, want := range []string{"/work", "Network: none", "10s wall clock", "256MiB memory", "stricter"} {
			if !strings.Contains(d, want) {
				t.Errorf("run_python description lacks %q: %s", want, d)
			}
		}
	})
	runs := []struct {
		name, args string
		status     string
		check      func(t *testing.T, o RunOutput, res *sdk.CallToolResult)
	}{
		{"ok", `{"source": "import sys\nprint('hello', sys.argv[1:], sys.stdin.read())", "args": ["a"], "stdin": "in"}`, "ok",
			func(t *testing.T, o RunOutput, res *sdk.CallToolResult) {
				if o.Stdout != "hello ['a'] in\n" || o.ExitCode != 0 || o.Audit == nil || o.Usage.WallMS <= 0 {
					t.Errorf("output %+v", o)
				}
				if !strings.Contains(text(res), "hello") {
					t.Errorf("text content %q", text(res))
				}
			}},
		{"fails", `{"source": "import sys\nprint('bad input', file=sys.stderr)\nsys.exit(3)"}`, "exit-nonzero",
			func(t *testing.T, o RunOutput, _ *sdk.CallToolResult) {
				if o.ExitCode != 3 || o.Stderr != "bad input\n" || !strings.Contains(o.Message, "code 3") {
					t.Errorf("output %+v", o)
				}
			}},
		{"input file", `{"source": "import helper\nprint(helper.up(open('data.csv').read()))", "files": [{"path": "data.csv", "content": "YSxi", "encoding": "base64"}, {"path": "helper.py", "content": "def up(s):\n    return s.upper()\n"}]}`, "ok",
			func(t *testing.T, o RunOutput, _ *sdk.CallToolResult) {
				if o.Stdout != "A,B\n" || len(o.Files) != 0 {
					t.Errorf("output %+v (the input files and __pycache__ are not returned)", o)
				}
			}},
		{"timeout", `{"source": "import time\nwhile True: time.sleep(0.05)", "tighten": {"wall_time": "1s", "cpu_time": "1s"}}`, "timeout",
			func(t *testing.T, o RunOutput, _ *sdk.CallToolResult) {
				if !strings.Contains(o.Message, "1s") || !strings.Contains(o.Message, "wall_time") {
					t.Errorf("message %q", o.Message)
				}
			}},
		{"named policy", `{"source": "import time\ntime.sleep(8)", "policy": "short"}`, "timeout",
			func(t *testing.T, o RunOutput, _ *sdk.CallToolResult) {
				if !strings.Contains(o.Message, "3s") {
					t.Errorf("message %q: the offered policy's 3s limit should apply", o.Message)
				}
			}},
		{"rejected", `{"source": "import os\nos.system(input())"}`, "rejected",
			func(t *testing.T, o RunOutput, res *sdk.CallToolResult) {
				if len(o.Findings) == 0 || o.Findings[0].Severity != "high" || o.Findings[0].Line != 2 || o.Findings[0].Rule == "" {
					t.Errorf("findings %+v", o.Findings)
				}
				if res.IsError {
					t.Error("a rejected run is a result, not a tool error")
				}
			}},
		{"network", `{"source": "import socket\ntry:\n    socket.create_connection(('93.184.216.34', 80), timeout=3)\n    print('CONNECTED')\nexcept OSError as e:\n    print('refused:', e)\ntry:\n    socket.getaddrinfo('example.com', 443)\n    print('RESOLVED')\nexcept OSError as e:\n    print('no dns:', e)"}`, "ok",
			func(t *testing.T, o RunOutput, _ *sdk.CallToolResult) {
				if strings.Contains(o.Stdout, "CONNECTED") || strings.Contains(o.Stdout, "RESOLVED") ||
					!strings.Contains(o.Stdout, "refused:") || !strings.Contains(o.Stdout, "no dns:") {
					t.Errorf("stdout %q: the network must be closed", o.Stdout)
				}
			}},
		{"image", fmt.Sprintf(`{"source": %q}`, pngScript), "ok",
			func(t *testing.T, o RunOutput, res *sdk.CallToolResult) {
				var img *sdk.ImageContent
				var blob *sdk.EmbeddedResource
				for _, c := range res.Content {
					switch c := c.(type) {
					case *sdk.ImageContent:
						img = c
					case *sdk.EmbeddedResource:
						blob = c
					}
				}
				if img == nil || img.MIMEType != "image/png" || !bytes.HasPrefix(img.Data, []byte("\x89PNG\r\n\x1a\n")) {
					t.Errorf("no PNG image content in %v", res.Content)
				}
				if blob == nil || blob.Resource == nil || len(blob.Resource.Blob) != 256 || !strings.HasSuffix(blob.Resource.URI, "/outputs/blob.bin") {
					t.Errorf("no blob.bin resource in %v", res.Content)
				}
				got := map[string]string{}
				for _, f := range o.Files {
					got[f.Path] = f.ReturnedAs
					if f.Path == "notes.txt" && f.Text != "two by two\n" {
						t.Errorf("notes.txt text %q", f.Text)
					}
				}
				want := map[string]string{"plot.png": "image", "notes.txt": "text", "blob.bin": "resource"}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("files %v, want %v", got, want)
				}
			}},
	}
	for _, tc := range runs {
		t.Run(tc.name, func(t *testing.T) {
			var o RunOutput
			res := call(t, cs, "run_python", tc.args, &o)
			if res.IsError {
				t.Fatalf("tool error: %s", text(res))
			}
			if o.Status != tc.status {
				t.Fatalf("status %s, want %s: %+v", o.Status, tc.status, o)
			}
			tc.check(t, o, res)
		})
	}
	t.Run("tool errors", func(t *testing.T) {
		for _, tc := range []struct{ tool, args, want string }{
			{"run_python", `{"source": 5}`, "source"},
			{"run_python", `{}`, "source"},
			{"run_python", `{"source": "print(1)", "bogus": true}`, "bogus"},
			{"run_python", `{"source": "print(1)", "policy": "root"}`, "policy"},
			{"run_python", `{"source": "print(1)", "tighten": {"wall_time": "1h"}}`, "policy-loosens"},
			{"run_python", `{"source": "print(1)", "tighten": {"memory": "lots"}}`, "policy-invalid"},
			{"run_python", `{"source": "print(1)", "tighten": {"network_domains": ["evil.example"]}}`, "allows no network"},
			{"run_python", `{"source": "print(1)", "files": [{"path": "../x", "content": ""}]}`, "invalid-request"},
			{"check_python", `{}`, "nothing to check"},
			{"explain_policy", `{"policy": 7}`, "policy"},
		} {
			res := call(t, cs, tc.tool, tc.args, nil)
			if !res.IsError || !strings.Contains(text(res), tc.want) {
				t.Errorf("%s %s: error %v, text %q; want a tool error naming %q", tc.tool, tc.args, res.IsError, text(res), tc.want)
			}
		}
	})
	t.Run("check", func(t *testing.T) {
		var o CheckOutput
		call(t, cs, "check_python", `{"source": "import os\nos.system(input())\n"}`, &o)
		if o.Verdict != "blocked" || o.Blocks != "high" || len(o.Findings) == 0 || o.Findings[0].Line != 2 {
			t.Errorf("check %+v", o)
		}
		o = CheckOutput{}
		call(t, cs, "check_python", `{"source": "print(sum(range(10)))\n"}`, &o)
		if o.Verdict != "pass" || len(o.Findings) != 0 {
			t.Errorf("check %+v", o)
		}
	})
	t.Run("explain", func(t *testing.T) {
		var o ExplainOutput
		call(t, cs, "explain_policy", `{}`, &o)
		if o.WallTime != "10s" || o.Network != "none" || !slices.Contains(o.Writable, "/work") ||
			!slices.Equal(o.Offered, []string{"default", "short"}) || !strings.Contains(o.Text, "/work") || !strings.Contains(o.Text, "no connection") {
			t.Errorf("explain %+v", o)
		}
		o = ExplainOutput{}
		call(t, cs, "explain_policy", `{"policy": "short"}`, &o)
		if o.Policy != "short" || o.WallTime != "3s" {
			t.Errorf("explain short %+v", o)
		}
	})
}

func TestToolsInMemory(t *testing.T) {
	cs, auditDir := localSession(t, Options{CallsPerMinute: 6000, Burst: 1000})
	testTools(t, cs)
	t.Run("audited with the client's name", func(t *testing.T) {
		var o RunOutput
		call(t, cs, "run_python", `{"source": "print(1)"}`, &o)
		found := false
		err := audit.ReadRecords(auditDir, func(_ int64, rec audit.Record) error {
			if rec.RunID == o.RunID && rec.Kind == audit.KindRunStart {
				found = true
				if rec.Start.Client != "cordon-test/1.0" || rec.Tenant != server.LocalTenant {
					t.Errorf("start record client %q tenant %q", rec.Start.Client, rec.Tenant)
				}
			}
			return nil
		})
		if err != nil || !found {
			t.Errorf("no start record of %s: %v", o.RunID, err)
		}
	})
}

func TestRateLimitPerClient(t *testing.T) {
	cs, _ := localSession(t, Options{CallsPerMinute: 1, Burst: 2})
	for i := range 3 {
		res := call(t, cs, "explain_policy", `{}`, nil)
		if limited := res.IsError && strings.Contains(text(res), "rate limited"); limited != (i == 2) {
			t.Errorf("call %d: error %v %q", i, res.IsError, text(res))
		}
	}
}

// TestToolsHTTP runs the suite over streamable HTTP against the service's
// real handler, with tenant tokens.
func TestToolsHTTP(t *testing.T) {
	needPython(t)
	dir := t.TempDir()
	writePolicies(t, dir)
	tok, hash := server.NewToken()
	cfg := fmt.Sprintf(`state_dir: state
audit_dir: audit
workers: 2
tenants:
  - name: acme
    token_sha256: [%s]
    policy: ceiling.yaml
    policies: {short: short.yaml}
    runs_per_minute: 600
    burst: 100
`, hash)
	cfgFile := filepath.Join(dir, "server.yaml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := server.LoadConfig(cfgFile)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv.Mount("/mcp", NewHTTPHandler(srv, Options{CallsPerMinute: 6000, Burst: 1000}))
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		hs.Close()
		if err := srv.Shutdown(context.Background()); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	bad := sdk.NewClient(&sdk.Implementation{Name: "intruder", Version: "1"}, nil)
	if _, err := bad.Connect(context.Background(), &sdk.StreamableClientTransport{Endpoint: hs.URL + "/mcp", MaxRetries: -1,
		HTTPClient: &http.Client{Transport: bearer{"cdn_wrong", http.DefaultTransport}}}, nil); err == nil {
		t.Fatal("a wrong token connected")
	}
	cs := connect(t, &sdk.StreamableClientTransport{Endpoint: hs.URL + "/mcp", DisableStandaloneSSE: true,
		HTTPClient: &http.Client{Transport: bearer{tok, http.DefaultTransport}}})
	testTools(t, cs)
	t.Run("audited as the tenant", func(t *testing.T) {
		var o RunOutput
		if res := call(t, cs, "run_python", `{"source": "print(1)"}`, &o); res.IsError {
			t.Fatal(text(res))
		}
		var client, tenant string
		_ = audit.ReadRecords(filepath.Join(dir, "audit"), func(_ int64, rec audit.Record) error {
			if rec.RunID == o.RunID && rec.Kind == audit.KindRunStart {
				client, tenant = rec.Start.Client, rec.Tenant
			}
			return nil
		})
		if client != "cordon-test/1.0" || tenant != "acme" {
			t.Errorf("start record client %q tenant %q", client, tenant)
		}
	})
}

type bearer struct {
	token string
	rt    http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.rt.RoundTrip(r)
}

// TestNetworkDomains: a call may narrow the policy's allow-list, never
// name a domain outside it; the description says what is allowed.
func TestNetworkDomains(t *testing.T) {
	needPython(t)
	dir := t.TempDir()
	y := ceilingYAML + "network:\n  mode: allowlist\n  domains: [a.example, b.example]\n  ports: [443]\n"
	if os.Geteuid() != 0 {
		y += "isolation:\n  allow_degraded: [cgroup]\n"
	}
	p := filepath.Join(dir, "net.yaml")
	if err := os.WriteFile(p, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	ceiling, err := policy.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	ceiling.Audit.Dir = filepath.Join(dir, "audit")
	srv, err := server.NewLocal(server.LocalOptions{Ceiling: ceiling, StateDir: filepath.Join(dir, "state")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	s, err := NewServer(srv, server.LocalTenant, Options{})
	if err != nil {
		t.Fatal(err)
	}
	st, ct := sdk.NewInMemoryTransports()
	ss, err := s.Connect(context.Background(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	cs := connect(t, ct)
	lt, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range lt.Tools {
		if tool.Name == "run_python" && !strings.Contains(tool.Description, "a.example, b.example") {
			t.Errorf("description does not list the domains: %s", tool.Description)
		}
	}
	res := call(t, cs, "run_python", `{"source": "print(1)", "tighten": {"network_domains": ["a.example", "evil.example"]}}`, nil)
	if !res.IsError || !strings.Contains(text(res), "evil.example not in the policy's allow-list") {
		t.Errorf("outside the allow-list: %v %q", res.IsError, text(res))
	}
	var o RunOutput
	res = call(t, cs, "run_python", `{"source": "import os; print(os.environ.get('HTTPS_PROXY', '') != '')", "tighten": {"network_domains": ["a.example"]}}`, &o)
	if res.IsError || o.Status != "ok" {
		t.Errorf("narrowed allow-list: %q %+v", text(res), o)
	}
	// The service refuses a wider list itself, whatever the tool checks.
	run, err := srv.Submit(server.LocalTenant, &server.RunRequest{Source: "print(1)",
		Policy: json.RawMessage(`{"network": {"domains": ["a.example", "evil.example"]}}`)}, "test")
	if p, ok := server.AsProblem(err); !ok || !strings.HasSuffix(p.Type, "/policy-loosens") {
		t.Errorf("service accepted a wider allow-list: run %v, err %v", run, err)
	}
}

// TestProgress: a client that asks for progress gets the run's output as
// it is written, before the call returns.
func TestProgress(t *testing.T) {
	s, _ := localServer(t, Options{})
	st, ct := sdk.NewInMemoryTransports()
	ss, err := s.Connect(context.Background(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	type note struct {
		msg string
		at  time.Time
	}
	notes := make(chan note, 100)
	c := sdk.NewClient(&sdk.Implementation{Name: "progress-test", Version: "1"}, &sdk.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, r *sdk.ProgressNotificationClientRequest) {
			notes <- note{r.Params.Message, time.Now()}
		}})
	cs, err := c.Connect(context.Background(), ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	p := &sdk.CallToolParams{Name: "run_python", Arguments: map[string]any{
		"source": "import sys, time\nprint('tick', flush=True)\nprint('warn', file=sys.stderr, flush=True)\ntime.sleep(2)\nprint('tock')"}}
	p.SetProgressToken("run-1")
	res, err := cs.CallTool(context.Background(), p)
	if err != nil || res.IsError {
		t.Fatalf("call: %v %v", err, res)
	}
	returned := time.Now()
	var msgs []string
	var first time.Time
	// Notifications are handled apart from the answer: take what came,
	// and what comes within a moment.
	for more := true; more; {
		select {
		case n := <-notes:
			if first.IsZero() {
				first = n.at
			}
			msgs = append(msgs, n.msg)
		case <-time.After(500 * time.Millisecond):
			more = false
		}
	}
	all := strings.Join(msgs, "|")
	if !strings.Contains(all, "stdout: tick") || !strings.Contains(all, "stderr: warn") || !strings.Contains(all, "stdout: tock") {
		t.Errorf("progress messages %q", msgs)
	}
	if first.IsZero() || returned.Sub(first) < time.Second {
		t.Errorf("the first output came %v before the result; want it while the script slept 2s", returned.Sub(first))
	}
}
