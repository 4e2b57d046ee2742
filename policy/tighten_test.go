package policy

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func ceilingForTest() *Policy {
	c := Default()
	c.Filesystem.ReadOnly = []string{"/usr", "/srv/data"}
	c.Filesystem.ReadWrite = []string{"/srv/out"}
	c.Filesystem.Deny = []string{"/usr/local/secret"}
	c.Network.Mode = NetworkAllowlist
	c.Network.Domains = []string{"*.example.com", "api.example.org", "pay.example.net:8443"}
	c.Network.Ports = []int{443, 80}
	c.Network.CIDRs = []string{"10.0.0.0/8"}
	c.Environment.Pass = []string{"TERM", "TZ"}
	c.Environment.Set = map[string]string{"MODE": "ci"}
	c.Analysis.Allow = []RuleAllow{{Rule: "PY001"}, {Rule: "PY002", Paths: []string{"a.py", "b.py"}}}
	c.Isolation.AllowDegraded = []Layer{LayerCgroup}
	return c
}

func TestTighten(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(r *Policy)
		field string // "" when allowed
	}{
		{"same", func(r *Policy) {}, ""},
		{"lower limits", func(r *Policy) {
			r.Limits.Memory = 64 << 20
			r.Limits.WallTime = Duration(time.Second)
			r.Limits.CPUTime = Duration(time.Second)
		}, ""},
		{"more memory", func(r *Policy) { r.Limits.Memory = 1 << 30 }, "limits.memory"},
		{"more wall", func(r *Policy) { r.Limits.WallTime = Duration(time.Hour) }, "limits.wall_time"},
		{"more procs", func(r *Policy) { r.Limits.Processes = 1000 }, "limits.processes"},
		{"more bytes out", func(r *Policy) { r.Network.MaxBytesOut = 1 << 40 }, "network.max_bytes_out"},
		{"fewer paths", func(r *Policy) { r.Filesystem.ReadOnly = []string{"/usr/share"}; r.Filesystem.ReadWrite = nil }, ""},
		{"rw inside ro ceiling", func(r *Policy) { r.Filesystem.ReadWrite = []string{"/srv/data"} }, "filesystem.read_write[0]"},
		{"ro inside rw ceiling", func(r *Policy) { r.Filesystem.ReadOnly = []string{"/srv/out/x"} }, ""},
		{"ro outside", func(r *Policy) { r.Filesystem.ReadOnly = []string{"/etc"} }, "filesystem.read_only[0]"},
		{"prefix is not a component", func(r *Policy) { r.Filesystem.ReadOnly = []string{"/srv/database"} }, "filesystem.read_only[0]"},
		{"mode none", func(r *Policy) { r.Network.Mode = NetworkNone }, ""},
		{"mode host", func(r *Policy) { r.Network.Mode = NetworkHost; r.Network.UnsafeHost = true }, "network.mode"},
		{"fewer domains", func(r *Policy) { r.Network.Domains = []string{"a.example.com", "*.b.example.com"} }, ""},
		{"apex not under wildcard", func(r *Policy) { r.Network.Domains = []string{"example.com"} }, "network.domains[0]"},
		{"wildcard over exact", func(r *Policy) { r.Network.Domains = []string{"*.example.org"} }, "network.domains[0]"},
		{"other domain", func(r *Policy) { r.Network.Domains = []string{"evil.com"} }, "network.domains[0]"},
		{"domain port allowed", func(r *Policy) { r.Network.Domains = []string{"pay.example.net:8443"} }, ""},
		{"domain port refused", func(r *Policy) { r.Network.Domains = []string{"api.example.org:22"} }, "network.domains[0]"},
		{"new port", func(r *Policy) { r.Network.Ports = []int{22} }, "network.ports[0]"},
		{"narrower cidr", func(r *Policy) { r.Network.CIDRs = []string{"10.1.0.0/16"} }, ""},
		{"wider cidr", func(r *Policy) { r.Network.CIDRs = []string{"10.0.0.0/7"} }, "network.cidrs[0]"},
		{"other cidr", func(r *Policy) { r.Network.CIDRs = []string{"192.168.0.0/16"} }, "network.cidrs[0]"},
		{"env subset", func(r *Policy) {
			r.Environment.Pass = []string{"TZ"}
			r.Environment.Set = map[string]string{"TERM": "dumb"}
		}, ""},
		{"env new pass", func(r *Policy) { r.Environment.Pass = []string{"AWS_SECRET_ACCESS_KEY"} }, "environment.pass[0]"},
		{"env new set", func(r *Policy) { r.Environment.Set = map[string]string{"X": "1"} }, "environment.set.X"},
		{"stricter block", func(r *Policy) { r.Analysis.Block = SeverityLow }, ""},
		{"block off", func(r *Policy) { r.Analysis.Block = SeverityOff }, "analysis.block"},
		{"fewer waivers", func(r *Policy) { r.Analysis.Allow = []RuleAllow{{Rule: "PY002", Paths: []string{"a.py"}}} }, ""},
		{"waiver everywhere", func(r *Policy) { r.Analysis.Allow = []RuleAllow{{Rule: "PY002"}} }, "analysis.allow[0]"},
		{"new waiver", func(r *Policy) { r.Analysis.Allow = []RuleAllow{{Rule: "PY009"}} }, "analysis.allow[0]"},
		{"audit off", func(r *Policy) { r.Audit.Enabled = false }, "audit.enabled"},
		{"audit dir", func(r *Policy) { r.Audit.Dir = "/tmp/elsewhere" }, "audit.dir"},
		{"fsync record", func(r *Policy) { r.Audit.Fsync = FsyncRecord }, ""},
		{"interpreter", func(r *Policy) { r.Runtime.Interpreter = "/bin/sh" }, "runtime.interpreter"},
		{"degrade more", func(r *Policy) { r.Isolation.AllowDegraded = []Layer{LayerSeccomp} }, "isolation.allow_degraded[0]"},
		{"degrade less", func(r *Policy) { r.Isolation.AllowDegraded = nil }, ""},
		{"refusal looser", func(r *Policy) { r.Isolation.Refusals.Process = RefusalRecord }, "isolation.refusals.process"},
		{"refusal stricter", func(r *Policy) { r.Isolation.Refusals.Clock = RefusalKill }, ""},
		{"tool not in ceiling", func(r *Policy) { r.Runtime.Tools = []string{"sh"} }, "runtime.tools[0]"},
		{"bind not in ceiling", func(r *Policy) { r.Network.AllowBind = true }, "network.allow_bind"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ceilingForTest()
			r := ceilingForTest()
			r.Filesystem.Deny = nil
			tc.edit(r)
			got, err := Tighten(c, r)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if !slices.Contains(got.Filesystem.Deny, "/usr/local/secret") {
					t.Error("ceiling deny not added")
				}
				return
			}
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("want refusal of %s, got %v", tc.field, err)
			}
			if es[0].Field != tc.field || !strings.Contains(es[0].Msg, "loosens the ceiling") {
				t.Errorf("got %v, want field %s", es, tc.field)
			}
		})
	}
}

func TestTightenParsedRequestPositions(t *testing.T) {
	c := Default()
	r := mustParse(t, "req.yaml", "limits:\n  memory: 1GiB\n  processes: 1000\n")
	_, err := Tighten(c, r)
	var es Errors
	if !errors.As(err, &es) || len(es) != 2 || es[0].Line != 2 || es[1].Line != 3 || es[0].File != "req.yaml" {
		t.Fatalf("got %v", err)
	}
}

// TestTightenCopy: a ceiling that copies read_only paths keeps copying
// them: a request that says nothing gets copy, one that asks for bind is
// refused; a bind ceiling allows either.
func TestTightenCopy(t *testing.T) {
	c := ceilingForTest()
	c.Filesystem.ReadOnlyMode = ReadOnlyCopy
	r := ceilingForTest()
	got, err := Tighten(c, r)
	if err != nil || !got.Filesystem.ReadOnlyMode.Copy() {
		t.Errorf("unset mode under a copy ceiling: %v, %v (want copy)", got.Filesystem.ReadOnlyMode, err)
	}
	r.Filesystem.ReadOnlyMode = ReadOnlyBind
	if _, err := Tighten(c, r); err == nil || !strings.Contains(err.Error(), "filesystem.read_only_mode") {
		t.Errorf("bind under a copy ceiling: %v, want a refusal naming filesystem.read_only_mode", err)
	}
	r.Filesystem.ReadOnlyMode = ReadOnlyCopy
	if _, err := Tighten(ceilingForTest(), r); err != nil {
		t.Errorf("copy under a bind ceiling: %v", err)
	}
}

// TestReadOnlyModeChecked: read_only_mode takes bind or copy, and says
// which when given something else.
func TestReadOnlyModeChecked(t *testing.T) {
	for text, want := range map[string]string{
		"filesystem: {read_only_mode: copy}\n":  "",
		"filesystem: {read_only_mode: bind}\n":  "",
		"filesystem: {read_only_mode: clone}\n": `t.yaml:1:30: filesystem.read_only_mode: unknown mode "clone" (valid: bind, copy)`,
	} {
		_, err := Parse("t.yaml", []byte(text))
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: %v", text, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%q: %v, want %q", text, err, want)
		}
	}
}
