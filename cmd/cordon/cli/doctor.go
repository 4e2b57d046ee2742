package cli

// `cordon doctor`: what this host can enforce, and which layers a policy
// would run with. Exit 0 when the policy can run, 1 when a layer it
// requires is unavailable (named, with the fix as a hint).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/cordonsec/cordon"
	"github.com/cordonsec/cordon/policy"
)

const doctorUsage = `Usage:
    cordon doctor [--policy FILE] [--format text|json]

Probes what this host can enforce for the current user (user namespaces
and each namespace type, seccomp and its actions, the Landlock ABI, cgroup
v1 and v2 and which controllers this user can use, pidfd, no_new_privs,
the interpreter) and shows, for each isolation layer of the policy,
whether it would run active, degraded, unavailable or off.

Exits 0 when the policy can run here, 1 when a layer it requires is
unavailable. docs/doctor.md explains each line and how to fix it.

Flags:
    --policy FILE  plan for this policy (default: the built-in default)
    --format F     text (default) or json: {"policy", "ok", "report", "plan"}
                   (--json is the same as --format json)

Examples:
    cordon doctor
    cordon doctor --policy ci.yaml --json
`

func init() {
	register(&command{
		name:    "doctor",
		summary: "show what this host can enforce and what a policy would run with",
		run:     runDoctor,
	})
}

// doctorJSON is what --format json prints.
type doctorJSON struct {
	Policy string             `json:"policy"`
	OK     bool               `json:"ok"`
	Report *cordon.HostReport `json:"report"`
	Plan   cordon.Plan        `json:"plan"`
	Errors []cordon.LayerPlan `json:"unavailable"`
	// Trial is why building a sandbox for the policy failed ("" when it
	// was built, or not tried because a layer is unavailable).
	Trial string `json:"trial,omitempty"`
}

func runDoctor(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "doctor", doctorUsage)
	policyFile := fs.String("policy", "", "policy file")
	fs.formatFlag("text", "json")
	if ok, err := fs.parseNoArgs(args); !ok {
		return err
	}
	asJSON := fs.Format() == "json"
	p, name, err := doctorPolicy(*policyFile)
	if err != nil {
		return err
	}
	// The probe, the plan (the one every run decides its layers with)
	// and, when it lets the policy run, a sandbox built for it as `run`
	// builds one and closed unused.
	ex, err := cordon.NewExecutor(cordon.Options{})
	if err != nil {
		return err
	}
	defer ex.Close()
	d, err := ex.Diagnose(ctx, p)
	if err != nil {
		return err
	}
	r, plan, trial, perr := d.Report, d.Plan, d.Trial, d.Err()

	if asJSON {
		out := doctorJSON{Policy: name, OK: perr == nil, Report: r, Plan: plan, Errors: []cordon.LayerPlan{}}
		if trial != nil {
			out.Trial = trial.Error()
		}
		var ue *cordon.UnavailableError
		if errors.As(perr, &ue) {
			out.Errors = ue.Layers
		}
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		printReport(env.Stdout, r)
		fmt.Fprintln(env.Stdout)
		printPlan(env.Stdout, name, plan, trial)
	}
	if perr == nil {
		return nil
	}
	if trial != nil {
		return &hinted{err: fmt.Errorf("policy %s cannot run on this host: a sandbox for it could not be built: %w", name, trial),
			hints: []string{"this is the check `cordon run` makes before every run; fix the policy field the error names"}}
	}
	var ue *cordon.UnavailableError
	if !errors.As(perr, &ue) {
		return perr
	}
	h := &hinted{err: fmt.Errorf("policy %s cannot run on this host: %w", name, perr)}
	seen := map[string]bool{}
	degradable := false
	for _, l := range ue.Layers {
		if l.Fix != "" && !seen[l.Fix] {
			seen[l.Fix] = true
			h.hints = append(h.hints, fmt.Sprintf("%s: %s", l.Layer, l.Fix))
		}
		degradable = degradable || cordon.CanDegrade(l.Layer)
	}
	if degradable {
		h.hints = append(h.hints, `or list the layer in isolation.allow_degraded if the policy may run without it (see docs/doctor.md)`)
	}
	return h
}

// doctorPolicy loads the policy to plan for: the file, or the built-in
// default when there is none.
func doctorPolicy(file string) (*policy.Policy, string, error) {
	p, err := policy.LoadOrDefault(file)
	if err != nil {
		return nil, "", err
	}
	if file == "" {
		return p, "builtin:default", nil
	}
	return p, file, nil
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "NO"
}

// table is a tabwriter whose rows lose the trailing blanks it pads rows
// with an empty last cell with.
type table struct {
	buf strings.Builder
	tw  *tabwriter.Writer
}

func newTable() *table {
	t := &table{}
	t.tw = tabwriter.NewWriter(&t.buf, 0, 0, 2, ' ', 0)
	return t
}

func (t *table) flush(w io.Writer) {
	t.tw.Flush()
	for _, l := range strings.SplitAfter(t.buf.String(), "\n") {
		if l != "" {
			fmt.Fprintln(w, strings.TrimRight(l, " \n"))
		}
	}
}

func printReport(w io.Writer, r *cordon.HostReport) {
	t := newTable()
	defer t.flush(w)
	tw := t.tw
	row := func(name string, ok bool, detail string, args ...any) {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", name, yesNo(ok), fmt.Sprintf(detail, args...))
	}
	fmt.Fprintln(tw, "HOST FEATURE\tOK\tDETAIL")
	who := fmt.Sprintf("uid %d", r.User.UID)
	if r.User.Root {
		who += " (root)"
	}
	fmt.Fprintf(tw, "kernel\t\t%s %s, probed as %s\n", r.Kernel.Release, r.Kernel.Machine, who)

	u := r.UserNS
	var sys []string
	sys = append(sys, fmt.Sprintf("max_user_namespaces=%d", u.MaxUserNamespaces))
	if u.UnprivilegedClone != nil {
		sys = append(sys, fmt.Sprintf("unprivileged_userns_clone=%d", *u.UnprivilegedClone))
	}
	if u.AppArmorRestrict != nil {
		sys = append(sys, fmt.Sprintf("apparmor_restrict_unprivileged_userns=%d", *u.AppArmorRestrict))
	}
	row("user namespaces", u.Namespace("user").Available, "%s", strings.Join(sys, " "))
	for _, ns := range u.Namespaces {
		row("  "+ns.Name+" namespace", ns.Available, "%s", ns.Error)
	}

	s := r.Seccomp
	detail := s.Error
	if s.Available {
		detail = "actions: " + strings.Join(s.Actions, " ")
	}
	row("seccomp", s.Available, "%s", detail)
	row("  user notification", s.UserNotif, "")
	row("  kill_process", s.KillProcess, "")
	row("  log", s.Log, "")

	if r.Landlock.ABI > 0 {
		row("landlock", true, "ABI %d", r.Landlock.ABI)
	} else {
		row("landlock", false, "%s", r.Landlock.Error)
	}

	cg := r.Cgroups
	if len(cg.V1) > 0 {
		var hs []string
		for _, h := range cg.V1 {
			hs = append(hs, strings.Join(h.Controllers, ","))
		}
		row("cgroup v1", true, "%s", strings.Join(hs, " "))
	} else {
		row("cgroup v1", false, "no v1 hierarchy mounted")
	}
	if cg.V2 != nil {
		ctls := strings.Join(cg.V2.Controllers, " ")
		if ctls == "" {
			ctls = "no controllers"
		}
		row("cgroup v2", true, "%s: %s", cg.V2.Mount, ctls)
	} else {
		row("cgroup v2", false, "not mounted")
	}
	if cg.Error != "" {
		row("  cgroups", false, "%s", cg.Error)
	}
	for _, c := range cg.Controllers {
		if c.Usable {
			row("  "+c.Name, true, "%s, usable under %s", c.Version, c.Group)
		} else if c.Version != "" {
			row("  "+c.Name, false, "%s, not usable: %s", c.Version, c.Error)
		} else {
			row("  "+c.Name, false, "%s", c.Error)
		}
	}
	swap := "no swap in use"
	if cg.SwapActive {
		swap = "swap in use"
	}
	row("  swap accounting", cg.SwapAccounting, "%s", swap)

	row("pidfd", r.Pidfd.Available, "%s", r.Pidfd.Error)
	row("no_new_privs", r.NoNewPrivs.Available, "%s", r.NoNewPrivs.Error)
	in := r.Interpreter
	if in.Error == "" {
		row("interpreter", true, "%s -> %s (Python %s), prefix %s", in.Name, in.Path, in.Version, in.Prefix)
	} else {
		row("interpreter", false, "%s", in.Error)
	}
}

func printPlan(w io.Writer, name string, plan cordon.Plan, trial error) {
	t := newTable()
	tw := t.tw
	fmt.Fprintf(tw, "LAYER (policy %s)\tSTATE\tDETAIL\n", name)
	for _, l := range plan.Layers {
		state := string(l.State)
		if l.State == cordon.LayerUnavailable {
			state = "UNAVAILABLE"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", l.Layer, state, l.Reason)
	}
	t.flush(w)
	switch {
	case plan.Err() == nil && trial == nil:
		fmt.Fprintf(w, "\npolicy %s can run on this host (a sandbox for it was built and closed)\n", name)
	case trial != nil:
		fmt.Fprintf(w, "\npolicy %s: a sandbox for it could not be built: %v\n", name, trial)
	}
}
