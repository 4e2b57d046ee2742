package cordon

// What a policy runs with on this host: one state per layer, and unless
// active the reason naming the missing feature. This is the one answer to
// "what can this host enforce": `cordon doctor` prints it from a full
// probe (ProbeHost), and every run decides its layers with it
// (Executor.prepare, from the facts a run has: the cached kernel probes,
// its interpreter, its own cgroup). A layer the policy requires that the
// host lacks is unavailable and the run is refused (fail closed), unless
// the policy lists it in isolation.allow_degraded and the layer can
// degrade: cgroup degrades to rlimits, landlock is off. No other layer
// has a weaker form a run could use, so no policy can let it go.

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cordonsec/cordon/interp"
	"github.com/cordonsec/cordon/policy"
	"github.com/cordonsec/cordon/sandbox"
	"github.com/cordonsec/cordon/sandbox/cgroup"
)

// HostReport is what this host can enforce for the calling user (package
// sandbox's probe) and the policy's interpreter as the sandbox resolves
// it. JSON with stable field names (`cordon doctor --json`).
type HostReport struct {
	sandbox.Host
	Interpreter InterpreterReport `json:"interpreter"`
}

// InterpreterReport is the runtime's interpreter as package interp
// resolves it.
type InterpreterReport struct {
	Name    string `json:"name"`
	Path    string `json:"path,omitempty"`
	Prefix  string `json:"prefix,omitempty"`
	Version string `json:"version,omitempty"`
	Error   string `json:"error,omitempty"`
}

// ProbeHost gathers what this host can enforce for the calling user and
// resolves pol's interpreter (nil: the default policy's). It starts
// /bin/true once per namespace type and creates (and removes) one probe
// cgroup per controller under the project parent; it changes nothing
// else.
func ProbeHost(ctx context.Context, pol *policy.Policy) (*HostReport, error) {
	if pol == nil {
		pol = policy.Default()
	}
	h, err := sandbox.ProbeHost(ctx, cgroup.Options{})
	r := &HostReport{Interpreter: interpreterReport(ctx, pol)}
	if h != nil {
		r.Host = *h
	}
	return r, err
}

func interpreterReport(ctx context.Context, pol *policy.Policy) InterpreterReport {
	ir := InterpreterReport{Name: pol.Runtime.Program()}
	if rt, err := interp.ResolveContext(ctx, ir.Name); err != nil {
		ir.Error = err.Error()
	} else {
		ir.Path, ir.Prefix, ir.Version = rt.Path, rt.Prefix, rt.Version
	}
	return ir
}

// LayerPlan is one layer's planned state with the reason.
type LayerPlan struct {
	Layer  policy.Layer `json:"layer"`
	State  LayerState   `json:"state"`
	Reason string       `json:"reason,omitempty"`
	// Fix says what would make an unavailable or degraded layer active.
	Fix string `json:"fix,omitempty"`
}

// Plan is the planned state of every layer, in policy.Layers order.
type Plan struct {
	Layers []LayerPlan `json:"layers"`
}

// ErrLayerUnavailable is wrapped by the error of Plan.Err.
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
func (p Plan) Err() error {
	var bad []LayerPlan
	for _, l := range p.Layers {
		if l.State == LayerUnavailable {
			bad = append(bad, l)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return &UnavailableError{Layers: bad}
}

// Layer returns the plan of layer l.
func (p Plan) Layer(l policy.Layer) LayerPlan {
	for _, x := range p.Layers {
		if x.Layer == l {
			return x
		}
	}
	return LayerPlan{Layer: l, State: LayerOff}
}

// State returns the planned state of layer l (off when not planned).
func (p Plan) State(l policy.Layer) LayerState { return p.Layer(l).State }

// PlanFor decides each layer's state for policy pol on the host of
// report r.
func PlanFor(pol *policy.Policy, r *HostReport) Plan {
	var out Plan
	for _, l := range policy.Layers {
		out.Layers = append(out.Layers, planLayer(l, pol, r))
	}
	return out
}

func planLayer(l policy.Layer, pol *policy.Policy, r *HostReport) LayerPlan {
	lp := LayerPlan{Layer: l}
	if why, off := notAsked(l, pol); off {
		lp.State, lp.Reason = LayerOff, why
		return lp
	}
	n := check(l, pol, r)
	if n.missing == "" {
		lp.State, lp.Reason = LayerActive, n.note
		return lp
	}
	lp.Fix = n.fix
	switch {
	case !pol.Isolation.MayDegrade(l):
		lp.State, lp.Reason = LayerUnavailable, n.missing
	case !CanDegrade(l):
		lp.State, lp.Reason = LayerUnavailable, n.missing+"; "+neverDegrades(l)
	case l == policy.LayerCgroup:
		lp.State = LayerDegraded
		lp.Reason = n.missing + "; rlimits stand in (isolation.allow_degraded)"
	default:
		lp.State = LayerOff
		lp.Reason = n.missing + " (allowed by isolation.allow_degraded)"
	}
	return lp
}

// CanDegrade reports whether isolation.allow_degraded can let layer l run
// weaker than asked: cgroup (rlimits stand in) and landlock (off: the
// mount namespace's view stands alone). A run has no weaker form of any
// other layer, so it refuses to start without it whatever the policy
// says.
func CanDegrade(l policy.Layer) bool {
	return l == policy.LayerCgroup || l == policy.LayerLandlock
}

func neverDegrades(l policy.Layer) string {
	switch l {
	case policy.LayerUserNS:
		return "the sandbox always runs in a user namespace, so it never degrades"
	case policy.LayerMountNS:
		return "without a mount namespace there is no sandbox root, so it never degrades"
	case policy.LayerRootfs:
		return "without its runtime nothing can run, so it never degrades"
	}
	return "a run has no weaker form of it, so it never degrades"
}

// notAsked reports layers the policy itself turns off.
func notAsked(l policy.Layer, pol *policy.Policy) (string, bool) {
	switch l {
	case policy.LayerNetNS, policy.LayerNetwork:
		if pol.Network.Mode == policy.NetworkHost {
			return "network mode host shares the host's network", true
		}
	case policy.LayerAudit:
		if !pol.Audit.Enabled {
			return "audit.enabled is false", true
		}
	}
	return "", false
}

// need is the outcome of checking one layer's requirements.
type need struct {
	missing string // "" when everything the layer needs is there
	fix     string
	note    string // said even when active (e.g. "ABI 7")
}

const (
	fixUserNS = "allow unprivileged user namespaces: sysctl user.max_user_namespaces=15000, kernel.unprivileged_userns_clone=1 (Debian/Ubuntu), kernel.apparmor_restrict_unprivileged_userns=0 (Ubuntu 23.10+) or an AppArmor profile for cordon"
	fixKernel = "needs a newer kernel; see docs/doctor.md for the kernel table"
)

// nsNeed checks a namespace type. A run does not probe namespaces (its
// spawn is the attempt, and fails closed naming userns): without probes
// the namespace is planned as the spawn will find it.
func nsNeed(r *HostReport, name string) need {
	if r.UserNS.Namespaces == nil {
		return need{note: "tried by the sandbox's spawn"}
	}
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

func check(l policy.Layer, pol *policy.Policy, r *HostReport) need {
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
		if prog := pol.Runtime.Program(); prog != "" && r.Interpreter.Name != "" && prog != r.Interpreter.Name {
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
		case !s.UserNotif:
			// The sandbox's filter answers refusals through a listener
			// (SECCOMP_RET_USER_NOTIF); the kernel refuses it without.
			return need{missing: "seccomp lacks the user_notif action the filter reports refusals with", fix: "Linux 5.0 or later"}
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
		if pol.Network.Mode == policy.NetworkAllowlist {
			return need{note: "allowlist through the egress proxy"}
		}
		return need{note: "loopback only"}
	case policy.LayerAnalysis:
		return need{note: "block at " + string(pol.Analysis.Block)}
	case policy.LayerAudit:
	}
	return need{}
}

// cgroupNeed: memory and pids must be usable (they hold memory bombs and
// fork bombs); cpu is reported but CPU time is bounded by RLIMIT_CPU and
// the supervisor's watch of the tree either way. Controllers failing for
// the same reason are named together.
func cgroupNeed(r *HostReport) need {
	var order []string
	byErr := map[string][]string{}
	for _, name := range []string{cgroup.Memory, cgroup.Pids} {
		c := r.Cgroups.Controller(name)
		if !c.Usable {
			if byErr[c.Error] == nil {
				order = append(order, c.Error)
			}
			byErr[c.Error] = append(byErr[c.Error], name)
		}
	}
	if len(order) > 0 {
		var bad []string
		for _, e := range order {
			names := byErr[e]
			noun := "controller"
			if len(names) > 1 {
				noun = "controllers"
			}
			bad = append(bad, fmt.Sprintf("%s %s not usable by uid %d: %s", strings.Join(names, " and "), noun, r.User.UID, e))
		}
		return need{missing: strings.Join(bad, "; "),
			fix: "run as root, or delegate a cgroup to this user (v2: systemd-run --user -p Delegate=yes; v1: a group created and chowned by root)"}
	}
	var notes []string
	for _, name := range []string{cgroup.Memory, cgroup.Pids, cgroup.CPU} {
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

// Diagnosis is what `cordon doctor` says of a policy on this host: the
// probe, the plan, and the trial — a sandbox built for the policy exactly
// as a run builds it (the interpreter, runtime.tools, the filesystem
// paths and their binds, Landlock's rules, the network mode, the cgroup)
// and closed unused.
type Diagnosis struct {
	Report *HostReport
	Plan   Plan
	// Trial is why the sandbox could not be built (a *SetupError), nil
	// when it was, or when it was not tried because the plan already
	// refuses the policy.
	Trial error
}

// Err is why the policy cannot run here: the plan's unavailable layers
// (an *UnavailableError), or the trial's failure; nil when it can.
func (d Diagnosis) Err() error {
	if err := d.Plan.Err(); err != nil {
		return err
	}
	return d.Trial
}

// Diagnose probes this host, plans pol (nil: the default) on it and, when
// the plan lets the policy run, tries a sandbox for it. The error is a
// failed probe; everything else is in the Diagnosis.
func (e *Executor) Diagnose(ctx context.Context, pol *policy.Policy) (Diagnosis, error) {
	if pol == nil {
		pol = policy.Default()
	}
	r, err := ProbeHost(ctx, pol)
	if err != nil {
		return Diagnosis{Report: r}, fmt.Errorf("probing the host: %w", err)
	}
	d := Diagnosis{Report: r, Plan: PlanFor(pol, r)}
	if d.Plan.Err() != nil {
		return d, nil
	}
	p, err := e.Prepare(ctx, pol)
	if err != nil {
		d.Trial = err
		return d, ctx.Err()
	}
	d.Trial = p.Close()
	return d, nil
}
