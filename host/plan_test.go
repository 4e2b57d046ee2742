package host

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/cordonsec/cordon/policy"
)

// goodReport is a host with everything, like this project's CI machine.
func goodReport() *Report {
	r := &Report{
		Kernel: Kernel{Release: "6.18.0", Machine: "x86_64"},
		User:   User{UID: 0, Root: true},
		UserNS: UserNS{MaxUserNamespaces: 1000},
		Seccomp: Seccomp{Available: true, Actions: []string{"kill_process", "errno", "user_notif", "log", "allow"},
			UserNotif: true, Log: true, KillProcess: true},
		Landlock: Landlock{ABI: 7},
		Cgroups: Cgroups{Controllers: []Controller{
			{Name: "memory", Version: "v1", Usable: true},
			{Name: "pids", Version: "v1", Usable: true},
			{Name: "cpu", Version: "v1", Usable: true},
		}, SwapAccounting: true},
		Pidfd:       Feature{Available: true},
		NoNewPrivs:  Feature{Available: true},
		Interpreter: Interpreter{Name: "python3", Path: "/usr/bin/python3.11", Prefix: "/usr", Version: "3.11.2"},
	}
	for _, ns := range namespaceNames {
		r.UserNS.Namespaces = append(r.UserNS.Namespaces, Namespace{Name: ns, Available: true})
	}
	return r
}

var namespaceNames = []string{"user", "pid", "mount", "net", "ipc", "uts", "cgroup"}

func TestPlan(t *testing.T) {
	tests := []struct {
		name   string
		report func(*Report)
		policy func(*policy.Policy)
		want   map[policy.Layer]State
		errHas []string // every unavailable layer named; nil: Err() == nil
	}{
		{
			name: "everything available",
			want: map[policy.Layer]State{policy.LayerUserNS: Active, policy.LayerCgroup: Active, policy.LayerLandlock: Active,
				policy.LayerNetwork: Active, policy.LayerAudit: Active, policy.LayerRootfs: Active},
		},
		{
			name:   "no user namespaces: every namespace layer and rootfs",
			report: func(r *Report) { r.UserNS.Namespaces[0] = Namespace{Name: "user", Error: "operation not permitted"} },
			want:   map[policy.Layer]State{policy.LayerUserNS: Unavailable, policy.LayerPIDNS: Unavailable, policy.LayerRootfs: Unavailable, policy.LayerSeccomp: Active},
			errHas: []string{"userns (cannot create a user namespace: operation not permitted)", "pidns", "mountns", "netns", "ipcns", "utsns", "cgroupns", "rootfs", "capabilities", "network"},
		},
		{
			name:   "one namespace type missing",
			report: func(r *Report) { r.UserNS.Namespaces[6] = Namespace{Name: "cgroup", Error: "invalid argument"} },
			want:   map[policy.Layer]State{policy.LayerCgroupNS: Unavailable, policy.LayerPIDNS: Active},
			errHas: []string{"cgroupns (cannot create a cgroup namespace: invalid argument)"},
		},
		{
			name: "cgroups unusable, refused",
			report: func(r *Report) {
				r.Cgroups.Controllers[0] = Controller{Name: "memory", Version: "v1", Error: "permission denied"}
			},
			want:   map[policy.Layer]State{policy.LayerCgroup: Unavailable, policy.LayerRlimits: Active},
			errHas: []string{"cgroup (memory controller not usable by uid 0: permission denied)"},
		},
		{
			name:   "cgroups unusable, degraded by policy",
			report: func(r *Report) { r.Cgroups.Controllers[1] = Controller{Name: "pids", Error: "not on any v1 hierarchy"} },
			policy: func(p *policy.Policy) { p.Isolation.AllowDegraded = []policy.Layer{policy.LayerCgroup} },
			want:   map[policy.Layer]State{policy.LayerCgroup: Degraded},
		},
		{
			name:   "cpu alone missing keeps cgroup active",
			report: func(r *Report) { r.Cgroups.Controllers[2] = Controller{Name: "cpu", Error: "nowhere"} },
			want:   map[policy.Layer]State{policy.LayerCgroup: Active},
		},
		{
			name:   "no landlock, refused",
			report: func(r *Report) { r.Landlock = Landlock{Error: "the kernel has no Landlock"} },
			want:   map[policy.Layer]State{policy.LayerLandlock: Unavailable},
			errHas: []string{"landlock (Landlock: the kernel has no Landlock)"},
		},
		{
			name:   "no landlock, allowed to be missing",
			report: func(r *Report) { r.Landlock = Landlock{Error: "disabled"} },
			policy: func(p *policy.Policy) { p.Isolation.AllowDegraded = []policy.Layer{policy.LayerLandlock} },
			want:   map[policy.Layer]State{policy.LayerLandlock: Off},
		},
		{
			name:   "rootfs cannot degrade",
			report: func(r *Report) { r.Interpreter = Interpreter{Name: "python3", Error: "not found"} },
			policy: func(p *policy.Policy) {
				p.Isolation.AllowDegraded = []policy.Layer{policy.LayerRootfs, policy.LayerUserNS}
			},
			want:   map[policy.Layer]State{policy.LayerRootfs: Unavailable},
			errHas: []string{"rootfs (interpreter: not found; without its runtime nothing can run, so it never degrades)"},
		},
		{
			name:   "userns cannot degrade",
			report: func(r *Report) { r.UserNS.Namespaces[0] = Namespace{Name: "user", Error: "EPERM"} },
			policy: func(p *policy.Policy) { p.Isolation.AllowDegraded = policy.Layers },
			want:   map[policy.Layer]State{policy.LayerUserNS: Unavailable, policy.LayerMountNS: Unavailable, policy.LayerPIDNS: Off},
			errHas: []string{"userns", "mountns", "rootfs"},
		},
		{
			name:   "no seccomp",
			report: func(r *Report) { r.Seccomp = Seccomp{Error: "no filter mode"} },
			want:   map[policy.Layer]State{policy.LayerSeccomp: Unavailable},
			errHas: []string{"seccomp"},
		},
		{
			name:   "seccomp without user_notif still active",
			report: func(r *Report) { r.Seccomp.UserNotif = false },
			want:   map[policy.Layer]State{policy.LayerSeccomp: Active},
		},
		{
			name: "interpreter missing",
			report: func(r *Report) {
				r.Interpreter = Interpreter{Name: "python3", Error: `"python3" on PATH: interpreter not found`}
			},
			want:   map[policy.Layer]State{policy.LayerRootfs: Unavailable},
			errHas: []string{"rootfs (interpreter: \"python3\" on PATH: interpreter not found)"},
		},
		{
			name:   "interpreter of the policy not probed",
			policy: func(p *policy.Policy) { p.Runtime.Interpreter = "/opt/python/bin/python3" },
			want:   map[policy.Layer]State{policy.LayerRootfs: Unavailable},
			errHas: []string{"rootfs"},
		},
		{
			name: "network host turns netns and network off",
			policy: func(p *policy.Policy) {
				p.Network.Mode, p.Network.UnsafeHost = policy.NetworkHost, true
			},
			report: func(r *Report) { r.UserNS.Namespaces[3] = Namespace{Name: "net", Error: "x"} },
			want:   map[policy.Layer]State{policy.LayerNetNS: Off, policy.LayerNetwork: Off},
		},
		{
			name:   "audit disabled",
			policy: func(p *policy.Policy) { p.Audit.Enabled = false },
			want:   map[policy.Layer]State{policy.LayerAudit: Off},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := goodReport()
			if tt.report != nil {
				tt.report(r)
			}
			p := policy.Default()
			if tt.policy != nil {
				tt.policy(p)
			}
			plan := Plan(p, r)
			if len(plan.Layers) != len(policy.Layers) {
				t.Fatalf("%d layers planned, want %d", len(plan.Layers), len(policy.Layers))
			}
			for i, l := range plan.Layers {
				if l.Layer != policy.Layers[i] {
					t.Fatalf("layer %d is %s, want %s", i, l.Layer, policy.Layers[i])
				}
				if l.State != Active && l.State != Off && l.Reason == "" {
					t.Errorf("%s %s without a reason", l.Layer, l.State)
				}
			}
			for l, want := range tt.want {
				if got := plan.State(l); got != want {
					t.Errorf("%s: %s, want %s (%+v)", l, got, want, plan.Layers)
				}
			}
			err := plan.Err()
			if tt.errHas == nil {
				if err != nil {
					t.Fatalf("Err() = %v", err)
				}
				return
			}
			if !errors.Is(err, ErrLayerUnavailable) {
				t.Fatalf("Err() = %v", err)
			}
			var ue *UnavailableError
			if !errors.As(err, &ue) {
				t.Fatalf("Err() is %T", err)
			}
			for _, s := range tt.errHas {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("Err() %q does not name %q", err, s)
				}
			}
			n := 0
			for _, l := range plan.Layers {
				if l.State == Unavailable {
					n++
				}
			}
			if len(ue.Layers) != n {
				t.Errorf("error names %d layers, plan has %d unavailable", len(ue.Layers), n)
			}
		})
	}
}

// The JSON field names are a stable interface: doctor --json prints them.
func TestReportJSONNames(t *testing.T) {
	b, err := json.Marshal(goodReport())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"kernel":{"release":`, `"user_namespaces":{"max_user_namespaces":`, `"namespaces":[{"name":"user","available":true}`,
		`"seccomp":{"available":true,"actions":`, `"user_notif":true`, `"landlock":{"abi":7}`, `"cgroups":{"v1":`,
		`"controllers":[{"name":"memory","version":"v1","usable":true}`, `"swap_accounting":true`, `"pidfd":{"available":true}`,
		`"no_new_privs":{"available":true}`, `"interpreter":{"name":"python3","path":"/usr/bin/python3.11","prefix":"/usr"`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("report JSON lacks %s:\n%s", k, b)
		}
	}
	pb, _ := json.Marshal(Plan(policy.Default(), goodReport()))
	if !strings.Contains(string(pb), `{"layers":[{"layer":"userns","state":"active"}`) {
		t.Errorf("plan JSON: %s", pb)
	}
}
