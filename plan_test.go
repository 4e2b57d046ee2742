package cordon

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/cordonsec/cordon/policy"
	"github.com/cordonsec/cordon/sandbox"
	"github.com/cordonsec/cordon/sandbox/cgroup"
)

// goodReport is a host with everything, like this project's CI machine.
func goodReport() *HostReport {
	r := &HostReport{Host: sandbox.Host{
		Kernel: sandbox.Kernel{Release: "6.18.0", Machine: "x86_64"},
		User:   sandbox.User{UID: 0, Root: true},
		UserNS: sandbox.UserNS{MaxUserNamespaces: 1000},
		Seccomp: sandbox.Seccomp{Available: true, Actions: []string{"kill_process", "errno", "user_notif", "log", "allow"},
			UserNotif: true, Log: true, KillProcess: true},
		Landlock: sandbox.Landlock{ABI: 7},
		Cgroups: cgroup.Report{Controllers: []cgroup.Controller{
			{Name: "memory", Version: "v1", Usable: true},
			{Name: "pids", Version: "v1", Usable: true},
			{Name: "cpu", Version: "v1", Usable: true},
		}, SwapAccounting: true},
		Pidfd:      sandbox.Feature{Available: true},
		NoNewPrivs: sandbox.Feature{Available: true},
	}, Interpreter: InterpreterReport{Name: "python3", Path: "/usr/bin/python3.11", Prefix: "/usr", Version: "3.11.2"}}
	for _, ns := range namespaceNames {
		r.UserNS.Namespaces = append(r.UserNS.Namespaces, sandbox.Namespace{Name: ns, Available: true})
	}
	return r
}

var namespaceNames = []string{"user", "pid", "mount", "net", "ipc", "uts", "cgroup"}

func TestPlan(t *testing.T) {
	tests := []struct {
		name   string
		report func(*HostReport)
		policy func(*policy.Policy)
		want   map[policy.Layer]LayerState
		errHas []string // every unavailable layer named; nil: Err() == nil
	}{
		{
			name: "everything available",
			want: map[policy.Layer]LayerState{policy.LayerUserNS: LayerActive, policy.LayerCgroup: LayerActive, policy.LayerLandlock: LayerActive,
				policy.LayerNetwork: LayerActive, policy.LayerAudit: LayerActive, policy.LayerRootfs: LayerActive},
		},
		{
			name: "no user namespaces: every namespace layer and rootfs",
			report: func(r *HostReport) {
				r.UserNS.Namespaces[0] = sandbox.Namespace{Name: "user", Error: "operation not permitted"}
			},
			want:   map[policy.Layer]LayerState{policy.LayerUserNS: LayerUnavailable, policy.LayerPIDNS: LayerUnavailable, policy.LayerRootfs: LayerUnavailable, policy.LayerSeccomp: LayerActive},
			errHas: []string{"userns (cannot create a user namespace: operation not permitted)", "pidns", "mountns", "netns", "ipcns", "utsns", "cgroupns", "rootfs", "capabilities", "network"},
		},
		{
			name: "one namespace type missing",
			report: func(r *HostReport) {
				r.UserNS.Namespaces[6] = sandbox.Namespace{Name: "cgroup", Error: "invalid argument"}
			},
			want:   map[policy.Layer]LayerState{policy.LayerCgroupNS: LayerUnavailable, policy.LayerPIDNS: LayerActive},
			errHas: []string{"cgroupns (cannot create a cgroup namespace: invalid argument)"},
		},
		{
			name: "cgroups unusable, refused",
			report: func(r *HostReport) {
				r.Cgroups.Controllers[0] = cgroup.Controller{Name: "memory", Version: "v1", Error: "permission denied"}
			},
			want:   map[policy.Layer]LayerState{policy.LayerCgroup: LayerUnavailable, policy.LayerRlimits: LayerActive},
			errHas: []string{"cgroup (memory controller not usable by uid 0: permission denied)"},
		},
		{
			name: "cgroups unusable, degraded by policy",
			report: func(r *HostReport) {
				r.Cgroups.Controllers[1] = cgroup.Controller{Name: "pids", Error: "not on any v1 hierarchy"}
			},
			policy: func(p *policy.Policy) { p.Isolation.AllowDegraded = []policy.Layer{policy.LayerCgroup} },
			want:   map[policy.Layer]LayerState{policy.LayerCgroup: LayerDegraded},
		},
		{
			name:   "cpu alone missing keeps cgroup active",
			report: func(r *HostReport) { r.Cgroups.Controllers[2] = cgroup.Controller{Name: "cpu", Error: "nowhere"} },
			want:   map[policy.Layer]LayerState{policy.LayerCgroup: LayerActive},
		},
		{
			name:   "no landlock, refused",
			report: func(r *HostReport) { r.Landlock = sandbox.Landlock{Error: "the kernel has no Landlock"} },
			want:   map[policy.Layer]LayerState{policy.LayerLandlock: LayerUnavailable},
			errHas: []string{"landlock (Landlock: the kernel has no Landlock)"},
		},
		{
			name:   "no landlock, allowed to be missing",
			report: func(r *HostReport) { r.Landlock = sandbox.Landlock{Error: "disabled"} },
			policy: func(p *policy.Policy) { p.Isolation.AllowDegraded = []policy.Layer{policy.LayerLandlock} },
			want:   map[policy.Layer]LayerState{policy.LayerLandlock: LayerOff},
		},
		{
			name:   "rootfs cannot degrade",
			report: func(r *HostReport) { r.Interpreter = InterpreterReport{Name: "python3", Error: "not found"} },
			policy: func(p *policy.Policy) {
				p.Isolation.AllowDegraded = []policy.Layer{policy.LayerRootfs, policy.LayerUserNS}
			},
			want:   map[policy.Layer]LayerState{policy.LayerRootfs: LayerUnavailable},
			errHas: []string{"rootfs (interpreter: not found; without its runtime nothing can run, so it never degrades)"},
		},
		{
			name:   "userns cannot degrade",
			report: func(r *HostReport) { r.UserNS.Namespaces[0] = sandbox.Namespace{Name: "user", Error: "EPERM"} },
			policy: func(p *policy.Policy) { p.Isolation.AllowDegraded = policy.Layers },
			// A run cannot do without the pid namespace either: the plan
			// said "off" here while every run refused (issue 10).
			want:   map[policy.Layer]LayerState{policy.LayerUserNS: LayerUnavailable, policy.LayerMountNS: LayerUnavailable, policy.LayerPIDNS: LayerUnavailable},
			errHas: []string{"userns", "mountns", "rootfs", "pidns (cannot create a user namespace: EPERM; a run has no weaker form"},
		},
		{
			name:   "seccomp missing and listed in allow_degraded: still unavailable, as a run refuses",
			report: func(r *HostReport) { r.Seccomp = sandbox.Seccomp{Error: "no filter mode"} },
			policy: func(p *policy.Policy) { p.Isolation.AllowDegraded = []policy.Layer{policy.LayerSeccomp} },
			want:   map[policy.Layer]LayerState{policy.LayerSeccomp: LayerUnavailable},
			errHas: []string{"seccomp (seccomp filters: no filter mode; a run has no weaker form of it, so it never degrades)"},
		},
		{
			name:   "a run's facts: namespaces not probed are left to the spawn",
			report: func(r *HostReport) { r.UserNS = sandbox.UserNS{} },
			want:   map[policy.Layer]LayerState{policy.LayerUserNS: LayerActive, policy.LayerNetNS: LayerActive, policy.LayerRootfs: LayerActive},
		},
		{
			name: "memory and pids failing alike are named once",
			report: func(r *HostReport) {
				r.Cgroups.Controllers[0] = cgroup.Controller{Name: "memory", Error: "permission denied"}
				r.Cgroups.Controllers[1] = cgroup.Controller{Name: "pids", Error: "permission denied"}
			},
			want:   map[policy.Layer]LayerState{policy.LayerCgroup: LayerUnavailable},
			errHas: []string{"cgroup (memory and pids controllers not usable by uid 0: permission denied)"},
		},
		{
			name:   "no seccomp",
			report: func(r *HostReport) { r.Seccomp = sandbox.Seccomp{Error: "no filter mode"} },
			want:   map[policy.Layer]LayerState{policy.LayerSeccomp: LayerUnavailable},
			errHas: []string{"seccomp"},
		},
		{
			// The filter reports refusals through user_notif: a run's
			// filter cannot be installed without it (the plan said active).
			name:   "seccomp without user_notif: unavailable, as a run's filter fails",
			report: func(r *HostReport) { r.Seccomp.UserNotif = false },
			want:   map[policy.Layer]LayerState{policy.LayerSeccomp: LayerUnavailable},
			errHas: []string{"seccomp (seccomp lacks the user_notif action"},
		},
		{
			name: "interpreter missing",
			report: func(r *HostReport) {
				r.Interpreter = InterpreterReport{Name: "python3", Error: `"python3" on PATH: interpreter not found`}
			},
			want:   map[policy.Layer]LayerState{policy.LayerRootfs: LayerUnavailable},
			errHas: []string{"rootfs (interpreter: \"python3\" on PATH: interpreter not found)"},
		},
		{
			name:   "interpreter of the policy not probed",
			policy: func(p *policy.Policy) { p.Runtime.Interpreter = "/opt/python/bin/python3" },
			want:   map[policy.Layer]LayerState{policy.LayerRootfs: LayerUnavailable},
			errHas: []string{"rootfs"},
		},
		{
			name: "network host turns netns and network off",
			policy: func(p *policy.Policy) {
				p.Network.Mode, p.Network.UnsafeHost = policy.NetworkHost, true
			},
			report: func(r *HostReport) { r.UserNS.Namespaces[3] = sandbox.Namespace{Name: "net", Error: "x"} },
			want:   map[policy.Layer]LayerState{policy.LayerNetNS: LayerOff, policy.LayerNetwork: LayerOff},
		},
		{
			name:   "audit disabled",
			policy: func(p *policy.Policy) { p.Audit.Enabled = false },
			want:   map[policy.Layer]LayerState{policy.LayerAudit: LayerOff},
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
			plan := PlanFor(p, r)
			if len(plan.Layers) != len(policy.Layers) {
				t.Fatalf("%d layers planned, want %d", len(plan.Layers), len(policy.Layers))
			}
			for i, l := range plan.Layers {
				if l.Layer != policy.Layers[i] {
					t.Fatalf("layer %d is %s, want %s", i, l.Layer, policy.Layers[i])
				}
				if l.State != LayerActive && l.State != LayerOff && l.Reason == "" {
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
				if l.State == LayerUnavailable {
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
	pb, _ := json.Marshal(PlanFor(policy.Default(), goodReport()))
	if !strings.Contains(string(pb), `{"layers":[{"layer":"userns","state":"active"}`) {
		t.Errorf("plan JSON: %s", pb)
	}
}
