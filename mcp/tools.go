package mcp

// The three tools. Their inputs become a server.RunRequest or
// server.CheckRequest; their structured outputs are summaries of the
// service's RunView and analysis report an agent can act on.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"path"
	"runtime/debug"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/jsonschema-go/jsonschema"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cordonsec/cordon"
	"github.com/cordonsec/cordon/policy"
	"github.com/cordonsec/cordon/server"
)

// RunInput is the input of run_python.
type RunInput struct {
	Source string      `json:"source" jsonschema:"the Python 3 script to run, as text; it runs as /work/main.py"`
	Files  []FileInput `json:"files,omitempty" jsonschema:"input files, placed in /work next to the script"`
	Args   []string    `json:"args,omitempty" jsonschema:"command-line arguments (sys.argv[1:])"`
	Stdin  string      `json:"stdin,omitempty" jsonschema:"text fed to the script's standard input"`
	Policy string      `json:"policy,omitempty" jsonschema:"name of a policy the server offers (explain_policy lists them); empty: the default"`
	// Tighten makes this run's sandbox stricter than the policy's.
	Tighten *Tighten `json:"tighten,omitempty" jsonschema:"make this run stricter than the policy (never looser)"`
}

// FileInput is one input file.
type FileInput struct {
	Path     string `json:"path" jsonschema:"a plain file name (no folders)"`
	Content  string `json:"content" jsonschema:"the file's content"`
	Encoding string `json:"encoding,omitempty" jsonschema:"utf8 (default) or base64"`
}

// Tighten lists what a call may make stricter; each value must be at most
// the policy's (a bigger one is refused, never applied).
type Tighten struct {
	WallTime string `json:"wall_time,omitempty" jsonschema:"a shorter wall-clock limit, e.g. 5s"`
	CPUTime  string `json:"cpu_time,omitempty" jsonschema:"a smaller CPU-time limit, e.g. 2s"`
	Memory   string `json:"memory,omitempty" jsonschema:"a smaller memory limit, e.g. 128MiB"`
	Output   string `json:"output,omitempty" jsonschema:"a smaller cap of stdout and of stderr each, e.g. 64KiB"`
	// NetworkDomains nil keeps the policy's; [] turns the network off.
	NetworkDomains []string `json:"network_domains,omitempty" jsonschema:"allow only these of the policy's network domains; an empty list turns the network off"`
	NoNetwork      bool     `json:"no_network,omitempty" jsonschema:"no network at all for this run"`
}

// RunOutput is the structured output of run_python.
type RunOutput struct {
	RunID     string             `json:"run_id"`
	Status    string             `json:"status" jsonschema:"ok, exit-nonzero, timeout, cpu-limit, memory-limit, pids-limit, output-limit, file-size-limit, signaled, security-violation, rejected, internal-error or canceled"`
	ExitCode  int                `json:"exit_code" jsonschema:"the script's exit code (-1 if it did not exit)"`
	Message   string             `json:"message" jsonschema:"what happened, in one line"`
	Stdout    string             `json:"stdout"`
	Stderr    string             `json:"stderr"`
	Truncated Truncated          `json:"truncated"`
	Findings  []Finding          `json:"findings,omitempty" jsonschema:"static-analysis findings (a rejected run lists why)"`
	Events    []Event            `json:"events,omitempty" jsonschema:"what the sandbox saw: limits reached, refused syscalls, network attempts"`
	Usage     cordon.Usage       `json:"usage"`
	Files     []OutputFile       `json:"files,omitempty" jsonschema:"files the script wrote in /work"`
	Audit     *cordon.AuditEntry `json:"audit,omitempty" jsonschema:"where the run is in the audit log"`
}

// Truncated says which stream was cut: by the policy's output cap or by
// the cap of what a tool result carries.
type Truncated struct {
	Stdout bool `json:"stdout"`
	Stderr bool `json:"stderr"`
}

// Finding is one static-analysis finding.
type Finding struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
}

// Event is something the sandbox saw during the run.
type Event struct {
	Type    string `json:"type"`
	Message string `json:"message,omitempty"`
}

// OutputFile is a file the script wrote.
type OutputFile struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256,omitempty"`
	// ReturnedAs is text (in Text), image (an image content block),
	// resource (an embedded resource) or omitted (with Note).
	ReturnedAs string `json:"returned_as"`
	Text       string `json:"text,omitempty"`
	Note       string `json:"note,omitempty"`
}

// CheckInput is the input of check_python.
type CheckInput struct {
	Source string      `json:"source,omitempty" jsonschema:"the Python script to check"`
	Files  []FileInput `json:"files,omitempty" jsonschema:"more files; every *.py among them is checked"`
}

// CheckOutput is the structured output of check_python.
type CheckOutput struct {
	Verdict  string    `json:"verdict" jsonschema:"pass: run_python would run it; blocked: it would be rejected"`
	Blocks   string    `json:"blocks" jsonschema:"the severity from which a finding blocks a run"`
	Findings []Finding `json:"findings,omitempty"`
	Errors   []string  `json:"errors,omitempty" jsonschema:"syntax errors and files that could not be analysed"`
}

// ExplainInput is the input of explain_policy.
type ExplainInput struct {
	Policy string `json:"policy,omitempty" jsonschema:"a policy the server offers; empty: the default"`
}

// ExplainOutput is the structured output of explain_policy.
type ExplainOutput struct {
	Policy      string   `json:"policy"`
	Text        string   `json:"text" jsonschema:"what a run may and may not do, in words"`
	Offered     []string `json:"offered" jsonschema:"the policies this client may name"`
	WallTime    string   `json:"wall_time"`
	CPUTime     string   `json:"cpu_time"`
	Memory      string   `json:"memory"`
	Processes   int      `json:"processes"`
	FileSize    string   `json:"file_size"`
	Output      string   `json:"output"`
	Network     string   `json:"network" jsonschema:"none or allowlist"`
	Domains     []string `json:"domains,omitempty"`
	Writable    []string `json:"writable"`
	Tools       []string `json:"tools,omitempty" jsonschema:"programs besides the interpreter"`
	BlocksFrom  string   `json:"blocks_from" jsonschema:"static-analysis severity that rejects a run"`
	Interpreter string   `json:"interpreter"`
}

func (tl *tools) add(s *sdk.Server, t *server.Tenant) error {
	names := offerNames(t)
	runSchema, err := jsonschema.For[RunInput](nil)
	if err != nil {
		return err
	}
	explainSchema, err := jsonschema.For[ExplainInput](nil)
	if err != nil {
		return err
	}
	if len(names) > 0 {
		enum := []any{""}
		for _, n := range names {
			enum = append(enum, n)
		}
		runSchema.Properties["policy"].Enum = enum
		explainSchema.Properties["policy"].Enum = enum
	} else {
		// Only the default: the agent has nothing to name.
		delete(runSchema.Properties, "policy")
		delete(explainSchema.Properties, "policy")
	}
	runSchema.Properties["source"].MinLength = ptr(1)
	ro, destructive, open := true, false, false
	sdk.AddTool(s, &sdk.Tool{Name: "run_python", Title: "Run Python in the sandbox",
		Description: runDescription(t), InputSchema: runSchema,
		Annotations: &sdk.ToolAnnotations{DestructiveHint: &destructive, OpenWorldHint: ptr(t.Ceiling.Network.Mode != policy.NetworkNone)}},
		safe(tl.run))
	sdk.AddTool(s, &sdk.Tool{Name: "check_python", Title: "Check Python without running it",
		Description: checkDescription(t),
		Annotations: &sdk.ToolAnnotations{ReadOnlyHint: true, DestructiveHint: &destructive, OpenWorldHint: &open}},
		safe(tl.check))
	sdk.AddTool(s, &sdk.Tool{Name: "explain_policy", Title: "What the sandbox allows",
		Description: "Explains, in words, what a run_python call may and may not do under a policy: " +
			"limits, writable places, network, programs, what static analysis refuses, and which policies may be named. " +
			"Call it before planning work that needs files, network or time.",
		InputSchema: explainSchema,
		Annotations: &sdk.ToolAnnotations{ReadOnlyHint: ro, DestructiveHint: &destructive, OpenWorldHint: &open}},
		safe(tl.explain))
	return nil
}

// safe turns a panic in a tool handler into a tool error: a bug answers
// one call wrongly instead of ending the server and every session on it.
func safe[In, Out any](h sdk.ToolHandlerFor[In, Out]) sdk.ToolHandlerFor[In, Out] {
	return func(ctx context.Context, req *sdk.CallToolRequest, in In) (res *sdk.CallToolResult, out Out, err error) {
		defer func() {
			if p := recover(); p != nil {
				var zero Out
				res, out, err = nil, zero, fmt.Errorf("internal error in the tool (reported to the server's log): %v", p)
				slog.Error("mcp tool panicked", "panic", p, "stack", string(debug.Stack()))
			}
		}()
		return h(ctx, req, in)
	}
}

func ptr[T any](v T) *T { return &v }

// client names the caller: the name its MCP client gave at initialize.
func client(req *sdk.CallToolRequest) string {
	if req == nil || req.Session == nil {
		return ""
	}
	ip := req.Session.InitializeParams()
	if ip == nil || ip.ClientInfo == nil {
		return ""
	}
	name := ip.ClientInfo.Name
	if ip.ClientInfo.Version != "" {
		name += "/" + ip.ClientInfo.Version
	}
	if len(name) > 128 {
		name = name[:128]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
}

// admit applies the per-client rate limit.
func (tl *tools) admit(req *sdk.CallToolRequest) error {
	ok, wait := tl.limit.take(tl.tenant+"\x00"+client(req), time.Now())
	if !ok {
		return fmt.Errorf("rate limited: at most %d tool calls a minute (burst %d) per client; retry in %d s",
			tl.opts.CallsPerMinute, tl.opts.Burst, int(math.Ceil(wait.Seconds())))
	}
	return nil
}

// scriptName is the name of the agent's script in /work.
const scriptName = "main.py"

func (tl *tools) run(ctx context.Context, req *sdk.CallToolRequest, in RunInput) (*sdk.CallToolResult, RunOutput, error) {
	if err := tl.admit(req); err != nil {
		return nil, RunOutput{}, err
	}
	if strings.TrimSpace(in.Source) == "" {
		return nil, RunOutput{}, errors.New("source is empty: give the Python script to run as text")
	}
	rr := &server.RunRequest{Source: in.Source, Name: scriptName, Args: in.Args, Stdin: in.Stdin,
		PolicyName: in.Policy, Outputs: []string{"*", "**/*"}}
	inputs := map[string]bool{scriptName: true}
	for _, f := range in.Files {
		rr.Files = append(rr.Files, server.File{Path: f.Path, Content: f.Content, Encoding: f.Encoding})
		inputs[f.Path] = true
	}
	if in.Tighten != nil {
		if err := tl.checkDomains(in.Policy, in.Tighten.NetworkDomains); err != nil {
			return nil, RunOutput{}, err
		}
		o, err := tightenJSON(in.Tighten)
		if err != nil {
			return nil, RunOutput{}, err
		}
		rr.Policy = o
	}
	run, err := tl.srv.Submit(tl.tenant, rr, client(req))
	if err != nil {
		return nil, RunOutput{}, problemError(err)
	}
	followed := tl.follow(ctx, req, run)
	v := tl.srv.Wait(ctx, run)
	<-followed
	res := v.Result
	if res == nil {
		return nil, RunOutput{}, fmt.Errorf("run %s ended without a result", v.ID)
	}
	pol := run.Policy()
	out := RunOutput{RunID: v.ID, Status: v.Status, ExitCode: res.ExitCode, Usage: res.Usage, Audit: res.Audit,
		Message: message(v.Status, res, pol)}
	out.Stdout, out.Truncated.Stdout = capText(res.Stdout, tl.opts.MaxText)
	out.Stderr, out.Truncated.Stderr = capText(res.Stderr, tl.opts.MaxText)
	out.Truncated.Stdout = out.Truncated.Stdout || res.Truncated.Stdout
	out.Truncated.Stderr = out.Truncated.Stderr || res.Truncated.Stderr
	for _, f := range res.Findings {
		out.Findings = append(out.Findings, Finding{File: f.File, Line: f.Line, Column: f.Column, Rule: f.Rule, Severity: f.Severity, Message: f.Message})
	}
	for i, e := range res.Events {
		if i == 50 {
			out.Events = append(out.Events, Event{Type: "more", Message: fmt.Sprintf("%d more events", len(res.Events)-i)})
			break
		}
		out.Events = append(out.Events, Event{Type: string(e.Type), Message: e.Message})
	}
	var content []sdk.Content
	var budget = tl.opts.MaxFiles
	for _, o := range res.Outputs {
		if inputs[o.Path] || slices.Contains(strings.Split(o.Path, "/"), "__pycache__") {
			continue // the script, its inputs and compiled modules: not news to the agent
		}
		of := OutputFile{Path: o.Path, Size: o.Size, SHA256: o.SHA256}
		switch {
		case o.Refused != "":
			of.ReturnedAs, of.Note = "omitted", "not collected: "+o.Refused
		case o.Size > tl.opts.MaxFile || o.Size > budget:
			of.ReturnedAs, of.Note = "omitted", fmt.Sprintf("larger than what a tool result carries (%d bytes per file, %d in all)", tl.opts.MaxFile, tl.opts.MaxFiles)
		default:
			b, cut, err := tl.srv.Output(run, o.Path, tl.opts.MaxFile)
			if err != nil || cut {
				of.ReturnedAs, of.Note = "omitted", fmt.Sprint("could not be read: ", err)
				break
			}
			budget -= int64(len(b))
			c, as := fileContent(run.ID, o.Path, b)
			of.ReturnedAs = as
			if as == "text" {
				of.Text = string(b)
			} else {
				content = append(content, c)
			}
		}
		out.Files = append(out.Files, of)
	}
	content = append([]sdk.Content{&sdk.TextContent{Text: summary(&out)}}, content...)
	return &sdk.CallToolResult{Content: content, IsError: v.Status == string(cordon.StatusInternalError)}, out, nil
}

// maxProgress bounds the output sent as progress notifications of one
// call (the result carries it again, capped).
const maxProgress = 256 << 10

// follow sends the run's output as it comes as progress notifications,
// when the client asked for progress (a progress token); the returned
// channel closes once everything is sent (the run ended) or ctx is done.
func (tl *tools) follow(ctx context.Context, req *sdk.CallToolRequest, run *server.Run) <-chan struct{} {
	done := make(chan struct{})
	var tok any
	if req != nil && req.Params != nil {
		tok = req.Params.GetProgressToken()
	}
	if tok == nil || req.Session == nil {
		close(done)
		return done
	}
	go func() {
		defer close(done)
		names := [2]string{"stdout", "stderr"}
		sent := 0
		tl.srv.Follow(ctx, run, func(i int, b []byte) {
			if sent >= maxProgress {
				return
			}
			sent += len(b)
			_ = req.Session.NotifyProgress(ctx, &sdk.ProgressNotificationParams{ProgressToken: tok,
				Progress: float64(sent), Message: names[i] + ": " + string(b)})
		})
	}()
	return done
}

// fileContent is how a returned file travels: text inline (in the
// structured output), images as image content, the rest as embedded
// resources.
func fileContent(runID, p string, b []byte) (sdk.Content, string) {
	sniffed := http.DetectContentType(b)
	if img := imageType(p); img != "" && sniffed == img {
		return &sdk.ImageContent{Data: b, MIMEType: img}, "image"
	}
	if utf8.Valid(b) && !slices.Contains(b, 0) {
		return nil, "text"
	}
	return &sdk.EmbeddedResource{Resource: &sdk.ResourceContents{
		URI: "cordon://runs/" + runID + "/outputs/" + p, MIMEType: sniffed, Blob: b}}, "resource"
}

func imageType(p string) string {
	switch strings.ToLower(path.Ext(p)) {
	case ".png":
		return "image/png"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".gif":
		return "image/gif"
	case ".webp":
		return "image/webp"
	}
	return ""
}

// capText keeps at most n bytes of s, cut on a UTF-8 boundary.
func capText(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n], true
}

// tightenJSON is the policy override of a Tighten: only fields that can
// tighten, each checked by the service against the policy.
func tightenJSON(t *Tighten) (json.RawMessage, error) {
	o := map[string]any{}
	lim := map[string]string{}
	for _, f := range []struct{ name, v string }{{"wall_time", t.WallTime}, {"cpu_time", t.CPUTime}, {"memory", t.Memory}, {"output", t.Output}} {
		if f.v != "" {
			lim[f.name] = f.v
		}
	}
	if len(lim) > 0 {
		o["limits"] = lim
	}
	switch {
	case t.NoNetwork || (t.NetworkDomains != nil && len(t.NetworkDomains) == 0):
		o["network"] = map[string]any{"mode": "none"}
	case t.NetworkDomains != nil:
		o["network"] = map[string]any{"domains": t.NetworkDomains}
	}
	return json.Marshal(o)
}

// problemError turns a refusal of the service into a tool error an agent
// can act on.
func problemError(err error) error {
	p, ok := server.AsProblem(err)
	if !ok {
		return err
	}
	name := strings.TrimPrefix(p.Type, "https://cordon.dev/problems/")
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", name, p.Detail)
	for _, e := range p.Errors {
		b.WriteString("; ")
		if e.Field != "" {
			f := strings.TrimPrefix(e.Field, "policy.")
			fmt.Fprintf(&b, "%s: ", f)
		}
		b.WriteString(e.Message)
	}
	switch name {
	case "policy-loosens":
		b.WriteString(" (a call may only make the sandbox stricter; explain_policy shows the policy)")
	case "rate-limited", "tenant-quota", "server-busy":
		b.WriteString(" (try again later)")
	}
	return errors.New(b.String())
}

// checkDomains says which asked-for domains the policy does not allow:
// the agent gets a clear error instead of a quietly closed network (the
// service's tightening refuses a wider list too).
func (tl *tools) checkDomains(name string, domains []string) error {
	if len(domains) == 0 {
		return nil
	}
	t := tl.srv.Tenant(tl.tenant)
	if t == nil {
		return errors.New("the tenant is gone (the server's config changed)")
	}
	pol, p := t.Ceiling, t.Offers[name]
	if p != nil {
		pol = p
	}
	if pol.Network.Mode != policy.NetworkAllowlist {
		return fmt.Errorf("network_domains: the policy allows no network (mode %s); a call cannot add domains", pol.Network.Mode)
	}
	var bad []string
	for _, d := range domains {
		if !slices.Contains(pol.Network.Domains, d) {
			bad = append(bad, d)
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("network_domains: %s not in the policy's allow-list (%s); a call may only choose among those", strings.Join(bad, ", "), strings.Join(pol.Network.Domains, ", "))
	}
	return nil
}

func (tl *tools) check(ctx context.Context, req *sdk.CallToolRequest, in CheckInput) (*sdk.CallToolResult, CheckOutput, error) {
	if err := tl.admit(req); err != nil {
		return nil, CheckOutput{}, err
	}
	cr := &server.CheckRequest{Source: in.Source}
	if in.Source != "" {
		cr.Name = scriptName
	}
	for _, f := range in.Files {
		cr.Files = append(cr.Files, server.File{Path: f.Path, Content: f.Content, Encoding: f.Encoding})
	}
	rep, err := tl.srv.Check(ctx, tl.tenant, cr)
	if err != nil {
		return nil, CheckOutput{}, problemError(err)
	}
	out := CheckOutput{Verdict: "pass", Blocks: string(rep.FailOn)}
	if rep.Failed {
		out.Verdict = "blocked"
	}
	for _, f := range rep.Findings {
		out.Findings = append(out.Findings, Finding{File: f.File, Line: f.Line, Column: f.Column, Rule: f.Rule, Severity: string(f.Severity), Message: f.Message})
	}
	for _, e := range rep.SyntaxErrors {
		out.Errors = append(out.Errors, fmt.Sprintf("%s:%d:%d: syntax error", e.File, e.Line, e.Column))
	}
	for _, e := range rep.Errors {
		out.Errors = append(out.Errors, e.File+": "+e.Err)
	}
	return nil, out, nil
}

func (tl *tools) explain(_ context.Context, req *sdk.CallToolRequest, in ExplainInput) (*sdk.CallToolResult, ExplainOutput, error) {
	if err := tl.admit(req); err != nil {
		return nil, ExplainOutput{}, err
	}
	t := tl.srv.Tenant(tl.tenant)
	if t == nil {
		return nil, ExplainOutput{}, errors.New("the tenant is gone (the server's config changed)")
	}
	pol := t.Ceiling
	name := "default"
	if in.Policy != "" {
		p, ok := t.Offers[in.Policy]
		if !ok {
			return nil, ExplainOutput{}, fmt.Errorf("policy %q is not offered; offered: %s", in.Policy, strings.Join(append([]string{"default"}, offerNames(t)...), ", "))
		}
		pol, name = p, in.Policy
	}
	out := explain(pol)
	out.Policy = name
	out.Offered = append([]string{"default"}, offerNames(t)...)
	return nil, out, nil
}
