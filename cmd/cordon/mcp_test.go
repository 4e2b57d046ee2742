package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cordonsec/cordon/audit"
	"github.com/cordonsec/cordon/cmd/cordon/cli"
	"github.com/cordonsec/cordon/internal/testenv"
)

// mcpPolicy writes a policy for `cordon mcp` tests with its audit log in
// dir/audit.
func mcpPolicy(t *testing.T, dir, name, limits string) string {
	t.Helper()
	y := "runtime:\n  interpreter: /usr/bin/python3\naudit:\n  dir: " + filepath.Join(dir, "audit") + "\nlimits:\n" + limits
	if os.Geteuid() != 0 {
		y += "isolation:\n  allow_degraded: [cgroup]\n"
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMCPStdio: `cordon mcp` as a real process, spoken to over its stdin
// and stdout by the SDK's client: the tools are listed, a script runs,
// and its audit start record names the client.
func TestMCPStdio(t *testing.T) {
	testenv.NeedPython(t)
	dir := t.TempDir()
	pol := mcpPolicy(t, dir, "agent.yaml", "  wall_time: 10s\n  cpu_time: 5s\n")
	short := mcpPolicy(t, dir, "short.yaml", "  wall_time: 2s\n  cpu_time: 2s\n")
	// This test binary is the cordon command under that name (TestMain).
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "cordon")
	if err := os.Symlink(exe, link); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(link, "mcp", "--policy", pol, "--offer", "short="+short)
	cmd.Stderr = &stderr
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := sdk.NewClient(&sdk.Implementation{Name: "stdio-test", Version: "0.1"}, nil)
	cs, err := c.Connect(ctx, &sdk.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatalf("connect: %v\n%s", err, stderr.String())
	}
	defer cs.Close()
	lt, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range lt.Tools {
		names = append(names, tool.Name)
	}
	if strings.Join(names, ",") != "check_python,explain_policy,run_python" {
		t.Errorf("tools %v", names)
	}
	res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "run_python", Arguments: map[string]any{
		"source": "import time; time.sleep(5)", "policy": "short"}})
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		RunID  string `json:"run_id"`
		Status string `json:"status"`
	}
	b, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(b, &out); err != nil || out.Status != "timeout" {
		t.Fatalf("run_python: %s (%v)\n%s", b, err, stderr.String())
	}
	var client string
	_ = audit.ReadRecords(filepath.Join(dir, "audit"), func(_ int64, rec audit.Record) error {
		if rec.RunID == out.RunID && rec.Kind == audit.KindRunStart {
			client = rec.Start.Client
		}
		return nil
	})
	if client != "stdio-test/0.1" {
		t.Errorf("audit start record client %q", client)
	}
}

// TestMCPFlags: mistakes in `cordon mcp`'s flags and policies are
// refused before it serves, naming the problem.
func TestMCPFlags(t *testing.T) {
	dir := t.TempDir()
	pol := mcpPolicy(t, dir, "agent.yaml", "  wall_time: 10s\n  cpu_time: 5s\n")
	loose := mcpPolicy(t, dir, "loose.yaml", "  wall_time: 20s\n  cpu_time: 5s\n")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"mcp", "--offer", "nameonly"}, 2, "NAME=FILE"},
		{[]string{"mcp", "--workers", "0"}, 2, "--workers"},
		{[]string{"mcp", "extra"}, 2, "unexpected argument"},
		{[]string{"mcp", "--policy", filepath.Join(dir, "missing.yaml")}, 1, "missing.yaml"},
		{[]string{"mcp", "--policy", pol, "--offer", "big=" + loose}, 1, "does not tighten"},
	} {
		var stdout, stderr bytes.Buffer
		code := cli.Main(context.Background(), tc.args, strings.NewReader(""), &stdout, &stderr)
		if code != tc.code || !strings.Contains(stderr.String(), tc.want) || stdout.Len() != 0 {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want exit %d naming %q", tc.args, code, stderr.String(), stdout.String(), tc.code, tc.want)
		}
	}
}
