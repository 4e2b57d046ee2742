package policy

// Tighten rules, for a service whose operator sets a ceiling and whose
// callers send requests that may only make it stricter:
//
//   - limits, network.max_*, network.connection_time and
//     audit.checkpoint_every/interval: request <= ceiling.
//   - filesystem.read_only entries must lie within a ceiling read_only or
//     read_write entry; read_write entries within a ceiling read_write
//     entry; the result's deny is the union of both.
//   - network.mode: none <= allowlist <= host; unsafe_host only if the
//     ceiling has it. Each requested domain must be covered by a ceiling
//     domain (equal, or under a ceiling wildcard) on ports the ceiling
//     allows for it; ports a subset; each CIDR inside a ceiling CIDR.
//   - environment.pass a subset; environment.set only names the ceiling
//     passes or sets.
//   - analysis.block at least as strict (low < medium < high < off, low
//     blocking most); each waiver must be one the ceiling has, for no more
//     paths.
//   - audit: cannot be disabled; fsync record is stricter than group; dir,
//     signing key, witness and rotation must equal the ceiling's.
//   - runtime must equal the ceiling's, but runtime.tools may be a subset;
//     isolation.allow_degraded and isolation.allow_syscalls subsets.

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Tighten returns request as the effective policy if it is no looser than
// ceiling in any field, with ceiling's denies added. Otherwise it returns
// [Errors], one per loosened field, each naming the field.
func Tighten(ceiling, request *Policy) (*Policy, error) {
	t := &tightener{c: ceiling, r: request}
	t.limits()
	t.filesystem()
	t.network()
	t.environment()
	t.analysis()
	t.audit()
	t.runtimeIsolation()
	if err := t.errs.err(); err != nil {
		return nil, err
	}
	out := request.Clone()
	out.Extends = ""
	for _, d := range ceiling.Filesystem.Deny {
		if !slices.Contains(out.Filesystem.Deny, d) {
			out.Filesystem.Deny = append(out.Filesystem.Deny, d)
		}
	}
	if ceiling.Filesystem.ReadOnlyMode.Copy() {
		out.Filesystem.ReadOnlyMode = ReadOnlyCopy
	}
	if err := out.Validate(); err != nil {
		return nil, err
	}
	return out, nil
}

type tightener struct {
	c, r *Policy
	errs Errors
}

func (t *tightener) refuse(field, format string, args ...any) {
	t.errs = append(t.errs, errAt(t.r.posOf(field), field, "loosens the ceiling: "+format, args...))
}

func (t *tightener) limits() {
	c, r := t.c.Limits, t.r.Limits
	for _, f := range []struct {
		field        string
		req, ceiling int64
		show         func(int64) string
	}{
		{"limits.wall_time", int64(r.WallTime), int64(c.WallTime), durStr},
		{"limits.cpu_time", int64(r.CPUTime), int64(c.CPUTime), durStr},
		{"limits.memory", int64(r.Memory), int64(c.Memory), FormatSize},
		{"limits.processes", int64(r.Processes), int64(c.Processes), intStr},
		{"limits.file_size", int64(r.FileSize), int64(c.FileSize), FormatSize},
		{"limits.open_files", int64(r.OpenFiles), int64(c.OpenFiles), intStr},
		{"limits.output", int64(r.Output), int64(c.Output), FormatSize},
		{"limits.tmp", int64(r.Tmp), int64(c.Tmp), FormatSize},
		{"network.max_connections", int64(t.r.Network.MaxConnections), int64(t.c.Network.MaxConnections), intStr},
		{"network.max_bytes_out", int64(t.r.Network.MaxBytesOut), int64(t.c.Network.MaxBytesOut), FormatSize},
		{"network.max_bytes_in", int64(t.r.Network.MaxBytesIn), int64(t.c.Network.MaxBytesIn), FormatSize},
		{"network.connection_time", int64(t.r.Network.ConnectionTime), int64(t.c.Network.ConnectionTime), durStr},
		{"audit.checkpoint_every", int64(t.r.Audit.CheckpointEvery), int64(t.c.Audit.CheckpointEvery), intStr},
		{"outputs.max_files", int64(t.r.Outputs.MaxFiles), int64(t.c.Outputs.MaxFiles), intStr},
		{"outputs.max_size", int64(t.r.Outputs.MaxSize), int64(t.c.Outputs.MaxSize), FormatSize},
		{"audit.checkpoint_interval", int64(t.r.Audit.CheckpointInterval), int64(t.c.Audit.CheckpointInterval), durStr},
	} {
		if f.req > f.ceiling {
			t.refuse(f.field, "%s is above the ceiling's %s", f.show(f.req), f.show(f.ceiling))
		}
	}
}

func durStr(n int64) string { return Duration(n).String() }
func intStr(n int64) string { return fmt.Sprint(n) }

func withinAny(p string, dirs ...[]string) bool {
	for _, l := range dirs {
		for _, d := range l {
			if within(p, d) {
				return true
			}
		}
	}
	return false
}

func (t *tightener) filesystem() {
	c, r := t.c.Filesystem, t.r.Filesystem
	for i, p := range r.ReadOnly {
		if !withinAny(p, c.ReadOnly, c.ReadWrite) {
			t.refuse(indexPath("filesystem.read_only", i), "%s is not inside any path the ceiling allows", p)
		}
	}
	for i, p := range r.ReadWrite {
		if !withinAny(p, c.ReadWrite) {
			t.refuse(indexPath("filesystem.read_write", i), "%s is not inside any read_write path of the ceiling", p)
		}
	}
	if c.ReadOnlyMode.Copy() && r.ReadOnlyMode == ReadOnlyBind {
		t.refuse("filesystem.read_only_mode", "the ceiling copies read_only paths (copy); bind would share the host's files with the script")
	}
}

func modeRank(m NetworkMode) int { return slices.Index(NetworkModes, m) }

func (t *tightener) network() {
	c, r := t.c.Network, t.r.Network
	if modeRank(r.Mode) > modeRank(c.Mode) || modeRank(r.Mode) < 0 {
		t.refuse("network.mode", "mode %s is looser than the ceiling's %s (none < allowlist < host)", r.Mode, c.Mode)
	}
	if r.UnsafeHost && !c.UnsafeHost {
		t.refuse("network.unsafe_host", "the ceiling does not allow unsafe_host")
	}
	if r.AllowBind && !c.AllowBind {
		t.refuse("network.allow_bind", "the ceiling does not allow allow_bind")
	}
	for i, p := range r.Ports {
		if !slices.Contains(c.Ports, p) {
			t.refuse(indexPath("network.ports", i), "port %d is not in the ceiling's ports", p)
		}
	}
	cm, err := NewDomainMatcher(c.Domains, c.Ports)
	for i, d := range r.Domains {
		if err != nil || !domainCovered(cm, d, r.Ports) {
			t.refuse(indexPath("network.domains", i), "%s is not covered by the ceiling's domains and ports", d)
		}
	}
	var cps []netip.Prefix
	for _, s := range c.CIDRs {
		if p, err := NormalizeCIDR(s); err == nil {
			cps = append(cps, p)
		}
	}
	for i, s := range r.CIDRs {
		rp, err := NormalizeCIDR(s)
		ok := false
		for _, cp := range cps {
			if err == nil && cp.Bits() <= rp.Bits() && cp.Contains(rp.Addr()) {
				ok = true
			}
		}
		if !ok {
			t.refuse(indexPath("network.cidrs", i), "%s is not inside the ceiling's cidrs", s)
		}
	}
}

// domainCovered reports whether every host:port the request entry d
// allows is allowed by the ceiling matcher. A wildcard request is covered
// only by a ceiling wildcard at or above it; it is probed with a label no
// exact ceiling entry names.
func domainCovered(cm *DomainMatcher, d string, reqPorts []int) bool {
	host, port, err := splitDomain(d)
	if err != nil {
		return false
	}
	ports := reqPorts
	if port != 0 {
		ports = []int{port}
	}
	probe := host
	if s, ok := strings.CutPrefix(host, "*."); ok {
		probe = "cordon-wildcard-probe-0." + s
		if _, exact := cm.exact[probe]; exact {
			return false
		}
	}
	for _, p := range ports {
		if !cm.Allow(probe, p) {
			return false
		}
	}
	return true
}

func (t *tightener) environment() {
	c, r := t.c.Environment, t.r.Environment
	for i, n := range r.Pass {
		if !slices.Contains(c.Pass, n) {
			t.refuse(indexPath("environment.pass", i), "%s is not passed by the ceiling", n)
		}
	}
	for _, n := range sortedKeys(r.Set) {
		_, set := c.Set[n]
		if !set && !slices.Contains(c.Pass, n) {
			t.refuse("environment.set."+n, "%s is neither passed nor set by the ceiling", n)
		}
	}
}

// strictness orders block thresholds by how much they block.
func strictness(s Severity) int {
	switch s {
	case SeverityLow:
		return 3
	case SeverityMedium:
		return 2
	case SeverityHigh:
		return 1
	}
	return 0
}

func (t *tightener) analysis() {
	c, r := t.c.Analysis, t.r.Analysis
	if strictness(r.Block) < strictness(c.Block) {
		t.refuse("analysis.block", "block %s blocks less than the ceiling's %s", r.Block, c.Block)
	}
	for i, a := range r.Allow {
		ok := false
		for _, ca := range c.Allow {
			if ca.Rule != a.Rule {
				continue
			}
			if len(ca.Paths) == 0 {
				ok = true
			} else if len(a.Paths) > 0 {
				all := true
				for _, p := range a.Paths {
					all = all && slices.Contains(ca.Paths, p)
				}
				ok = ok || all
			}
		}
		if !ok {
			t.refuse(indexPath("analysis.allow", i), "the ceiling does not waive rule %s for these paths", a.Rule)
		}
	}
}

func (t *tightener) audit() {
	c, r := t.c.Audit, t.r.Audit
	if c.Enabled && !r.Enabled {
		t.refuse("audit.enabled", "the ceiling records every run")
	}
	if c.Fsync == FsyncRecord && r.Fsync != FsyncRecord {
		t.refuse("audit.fsync", "the ceiling syncs every record")
	}
	for _, f := range []struct{ field, req, ceiling string }{
		{"audit.dir", r.Dir, c.Dir}, {"audit.signing_key", r.SigningKey, c.SigningKey}, {"audit.witness", r.Witness, c.Witness},
		{"audit.rotate_size", r.RotateSize.String(), c.RotateSize.String()}, {"audit.rotate_age", r.RotateAge.String(), c.RotateAge.String()},
	} {
		if f.req != f.ceiling {
			t.refuse(f.field, "a request may not change it (ceiling: %q)", f.ceiling)
		}
	}
}

func (t *tightener) runtimeIsolation() {
	c, r := t.c, t.r
	if r.Runtime.Interpreter != c.Runtime.Interpreter {
		t.refuse("runtime.interpreter", "a request may not change the interpreter (ceiling: %s)", c.Runtime.Interpreter)
	}
	r.Isolation.Refusals.each(func(class string, a RefusalAction) {
		if ca := c.Isolation.Refusals.Action(class); a.rank() < ca.rank() {
			t.refuse("isolation.refusals."+class, "%s is looser than the ceiling's %s (record < violation < kill)", a, ca)
		}
	})
	if r.Runtime.Venv != c.Runtime.Venv {
		t.refuse("runtime.venv", "a request may not change the virtual environment (ceiling: %q)", c.Runtime.Venv)
	}
	if !slices.Equal(r.Runtime.Args, c.Runtime.Args) {
		t.refuse("runtime.args", "a request may not change the interpreter's arguments (ceiling: %q)", c.Runtime.Args)
	}
	for i, tool := range r.Runtime.Tools {
		if !slices.Contains(c.Runtime.Tools, tool) {
			t.refuse(indexPath("runtime.tools", i), "tool %s is not in the ceiling's tools", tool)
		}
	}
	for i, l := range r.Isolation.AllowDegraded {
		if !c.Isolation.MayDegrade(l) {
			t.refuse(indexPath("isolation.allow_degraded", i), "the ceiling does not let %s degrade", l)
		}
	}
	for i, g := range r.Isolation.AllowSyscalls {
		if !slices.Contains(c.Isolation.AllowSyscalls, g) {
			t.refuse(indexPath("isolation.allow_syscalls", i), "the ceiling does not allow the %s syscalls", g)
		}
	}
}
