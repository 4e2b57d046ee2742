package host

// What a policy would run with on a host. Each layer gets one state and,
// unless active, the reason naming the missing feature. A layer the policy
// requires that the host lacks is unavailable, and the run must not start
// (fail closed) — unless the policy lists it in isolation.allow_degraded:
// then cgroup degrades to rlimits and any other layer is off, and the
// result says so.

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cordonsec/cordon/policy"
)

// State is how far a layer would be applied.
type State string

const (
	// Active: applied as the policy asks.
	Active State = "active"
	// Degraded: applied in a weaker form the policy allows (rlimits
	// standing in for cgroups).
	Degraded State = "degraded"
	// Unavailable: required but this host cannot apply it; the run is refused.
	Unavailable State = "unavailable"
	// Off: not asked for by the policy, or missing and allowed to be.
	Off State = "off"
)

// LayerPlan is one layer's state with the reason.
type LayerPlan struct {
	Layer  policy.Layer `json:"layer"`
	State  State        `json:"state"`
	Reason string       `json:"reason,omitempty"`
	// Fix says what would make an unavailable or degraded layer active.
	Fix string `json:"fix,omitempty"`
}

// PlanResult is the plan for every layer, in policy.Layers order.
type PlanResult struct {
	Layers []LayerPlan `json:"layers"`
}

// ErrLayerUnavailable is wrapped by the error of PlanResult.Err.
var ErrLayerUnavailable = errors.New("required isolation layer unavailable")

// UnavailableError names every required layer this host cannot apply.
type UnavailableError struct {
	Layers []LayerPlan
}

func (e *UnavailableError) Error() string {
	parts := make([]string, len(e.Layers))
	for i, l := range e.Layers {
		parts[i] = fmt.Sprintf("%s (%s)", l.Layer, l.Reason)
	}
	noun := "layer"
	if len(parts) > 1 {
		noun = "layers"
	}
	return fmt.Sprintf("required isolation %s unavailable on this host: %s", noun, strings.Join(parts, "; "))
}

func (e *UnavailableError) Unwrap() error { return ErrLayerUnavailable }

// Err returns an *UnavailableError naming every unavailable layer, or nil
// when the policy can run.
func (p PlanResult) Err() error {
	var bad []LayerPlan
	for _, l := range p.Layers {
		if l.State == Unavailable {
			bad = append(bad, l)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return &UnavailableError{Layers: bad}
}

// State returns the planned state of layer l (Off when not planned).
func (p PlanResult) State(l policy.Layer) State {
	for _, x := range p.Layers {
		if x.Layer == l {
			return x.State
		}
	}
	return Off
}

// need is the outcome of checking one layer's requirements.
type need struct {
	missing string // "" when everything the layer needs is there
	fix     string
	note    string // said even when active (e.g. "ABI 7")
}

// Plan decides each layer's state for policy p on the host of report r.
func Plan(p *policy.Policy, r *Report) PlanResult {
	var out PlanResult
	for _, l := range policy.Layers {
		out.Layers = append(out.Layers, planLayer(l, p, r))
	}
	return out
}

func planLayer(l policy.Layer, p *policy.Policy, r *Report) LayerPlan {
	lp := LayerPlan{Layer: l}
	if why, off := notAsked(l, p); off {
		lp.State, lp.Reason = Off, why
		return lp
	}
	n := check(l, p, r)
	if n.missing == "" {
		lp.State, lp.Reason = Active, n.note
		return lp
	}
	lp.Fix = n.fix
	if !p.Isolation.MayDegrade(l) {
		lp.State, lp.Reason = Unavailable, n.missing
		return lp
	}
	if why, ok := cannotDegrade[l]; ok {
		lp.State, lp.Reason = Unavailable, n.missing+"; "+why
		return lp
	}
	if l == policy.LayerCgroup {
		lp.State = Degraded
		lp.Reason = n.missing + "; rlimits stand in (isolation.allow_degraded)"
		return lp
	}
	lp.State = Off
	lp.Reason = n.missing + " (allowed by isolation.allow_degraded)"
	return lp
}

// cannotDegrade are layers no policy can do without, whatever
// isolation.allow_degraded says.
var cannotDegrade = map[policy.Layer]string{
	policy.LayerUserNS:  "the sandbox always runs in a user namespace, so it never degrades",
	policy.LayerMountNS: "without a mount namespace there is no sandbox root, so it never degrades",
	policy.LayerRootfs:  "without its runtime nothing can run, so it never degrades",
}

// CanDegrade reports whether isolation.allow_degraded can let layer l run
// weaker than asked (userns, mountns and rootfs never can).
func CanDegrade(l policy.Layer) bool {
	_, never := cannotDegrade[l]
	return !never
}

// notAsked reports layers the policy itself turns off.
func notAsked(l policy.Layer, p *policy.Policy) (string, bool) {
	switch l {
	case policy.LayerNetNS, policy.LayerNetwork:
		if p.Network.Mode == policy.NetworkHost {
			return "network mode host shares the host's network", true
		}
	case policy.LayerAudit:
		if !p.Audit.Enabled {
			return "audit.enabled is false", true
		}
	}
	return "", false
}

const (
	fixUserNS = "allow unprivileged user namespaces: sysctl user.max_user_namespaces=15000, kernel.unprivileged_userns_clone=1 (Debian/Ubuntu), kernel.apparmor_restrict_unprivileged_userns=0 (Ubuntu 23.10+) or an AppArmor profile for cordon"
	fixKernel = "needs a newer kernel; see docs/doctor.md for the kernel table"
)

func nsNeed(r *Report, name string) need {
	user := r.UserNS.Namespace("user")
	if !user.Available {
		return need{missing: "cannot create a user namespace: " + user.Error, fix: fixUserNS}
	}
	if name == "user" {
		return need{}
	}
	ns := r.UserNS.Namespace(name)
	if !ns.Available {
		return need{missing: fmt.Sprintf("cannot create a %s namespace: %s", name, ns.Error), fix: fixKernel}
	}
	return need{}
}

func check(l policy.Layer, p *policy.Policy, r *Report) need {
	switch l {
	case policy.LayerUserNS:
		return nsNeed(r, "user")
	case policy.LayerPIDNS:
		return nsNeed(r, "pid")
	case policy.LayerMountNS:
		return nsNeed(r, "mount")
	case policy.LayerNetNS:
		return nsNeed(r, "net")
	case policy.LayerIPCNS:
		return nsNeed(r, "ipc")
	case policy.LayerUTSNS:
		return nsNeed(r, "uts")
	case policy.LayerCgroupNS:
		return nsNeed(r, "cgroup")
	case policy.LayerRootfs:
		if n := nsNeed(r, "mount"); n.missing != "" {
			return need{missing: "needs a mount namespace: " + n.missing, fix: n.fix}
		}
		if r.Interpreter.Error != "" {
			return need{missing: "interpreter: " + r.Interpreter.Error,
				fix: "set runtime.interpreter to a Python on PATH or an absolute path to one"}
		}
		if prog := p.Runtime.Program(); prog != "" && r.Interpreter.Name != "" && prog != r.Interpreter.Name {
			return need{missing: fmt.Sprintf("interpreter %q was not probed (the report resolved %q)", prog, r.Interpreter.Name)}
		}
		return need{note: "read-only runtime of " + r.Interpreter.Path}
	case policy.LayerNoNewPrivs:
		if !r.NoNewPrivs.Available {
			return need{missing: "no_new_privs: " + r.NoNewPrivs.Error, fix: fixKernel}
		}
	case policy.LayerCaps:
		// Dropping capabilities inside the user namespace needs nothing
		// beyond the namespace itself.
		if n := nsNeed(r, "user"); n.missing != "" {
			return n
		}
	case policy.LayerSeccomp:
		s := r.Seccomp
		switch {
		case !s.Available:
			return need{missing: "seccomp filters: " + s.Error, fix: "a kernel built with CONFIG_SECCOMP_FILTER"}
		case !s.KillProcess:
			return need{missing: "seccomp lacks the kill_process action", fix: "Linux 4.14 or later"}
		}
		if !s.UserNotif {
			return need{note: "without user_notif: refused syscalls are not reported one by one"}
		}
		return need{note: "filter, with user notification"}
	case policy.LayerLandlock:
		if r.Landlock.ABI < 1 {
			return need{missing: "Landlock: " + r.Landlock.Error, fix: "Linux 5.13+ with landlock in the lsm= boot parameter"}
		}
		return need{note: fmt.Sprintf("ABI %d", r.Landlock.ABI)}
	case policy.LayerCgroup:
		return cgroupNeed(r)
	case policy.LayerRlimits:
		// setrlimit is in every kernel this project supports.
	case policy.LayerNetwork:
		if n := nsNeed(r, "net"); n.missing != "" {
			return need{missing: "needs a network namespace: " + n.missing, fix: n.fix}
		}
		if p.Network.Mode == policy.NetworkAllowlist {
			return need{note: "allowlist through the egress proxy"}
		}
		return need{note: "loopback only"}
	case policy.LayerAnalysis:
		return need{note: "block at " + string(p.Analysis.Block)}
	case policy.LayerAudit:
	}
	return need{}
}

// cgroupNeed: memory and pids must be usable (they hold memory bombs and
// fork bombs); cpu is reported but CPU time is bounded by RLIMIT_CPU and
// the wall clock either way.
func cgroupNeed(r *Report) need {
	var bad []string
	for _, name := range []string{"memory", "pids"} {
		c := r.Cgroups.Controller(name)
		if !c.Usable {
			bad = append(bad, fmt.Sprintf("%s controller not usable by uid %d: %s", name, r.User.UID, c.Error))
		}
	}
	if len(bad) > 0 {
		return need{missing: strings.Join(bad, "; "),
			fix: "run as root, or delegate a cgroup to this user (v2: systemd-run --user -p Delegate=yes; v1: a group created and chowned by root)"}
	}
	var notes []string
	for _, name := range []string{"memory", "pids", "cpu"} {
		c := r.Cgroups.Controller(name)
		if c.Usable {
			notes = append(notes, name+" "+c.Version)
		}
	}
	if r.Cgroups.SwapActive && !r.Cgroups.SwapAccounting {
		notes = append(notes, "swap in use without swap accounting: memory limit excludes swap")
	}
	return need{note: strings.Join(notes, ", ")}
}
