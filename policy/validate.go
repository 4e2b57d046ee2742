package policy

// Validation is a list of small named checks and a separate list of
// warnings, in the manner of runc's validator: each check looks at one
// concern and reports every problem it finds, each at the position of the
// field it names. Cross-field rules give their reason.

import (
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

type checker struct {
	p     *Policy
	errs  Errors
	warns []*Warning
}

// at returns the position of the first of fields set in a file.
func (c *checker) at(fields ...string) (Pos, string) {
	for _, f := range fields {
		if pos, ok := c.p.origin[f]; ok {
			return pos, f
		}
	}
	return Pos{File: c.p.Source}, fields[0]
}

// errorf reports a problem at the first of fields the file set (the others
// are the fields it is checked against).
func (c *checker) errorf(fields []string, format string, args ...any) {
	pos, f := c.at(fields...)
	c.errs = append(c.errs, errAt(pos, f, format, args...))
}

func (c *checker) warnf(fields []string, format string, args ...any) {
	pos, f := c.at(fields...)
	c.warns = append(c.warns, errAt(pos, f, format, args...))
}

func fields(f ...string) []string { return f }

// check is one named validation.
type check struct {
	name string
	fn   func(*checker)
}

var checks = []check{
	{"limits-positive", checkLimitsPositive},
	{"limits-sane", checkLimitsSane},
	{"cpu-within-wall", checkCPUWithinWall},
	{"filesystem-paths", checkFilesystemPaths},
	{"filesystem-overlap", checkFilesystemOverlap},
	{"network-mode", checkNetworkMode},
	{"network-ports", checkNetworkPorts},
	{"network-domains", checkNetworkDomains},
	{"network-cidrs", checkNetworkCIDRs},
	{"network-limits", checkNetworkLimits},
	{"environment-names", checkEnvironment},
	{"analysis", checkAnalysis},
	{"audit", checkAudit},
	{"runtime", checkRuntime},
	{"isolation", checkIsolation},
	{"outputs", checkOutputs},
}

var warnings = []check{
	{"allowlist-allows-nothing", warnAllowlistEmpty},
	{"network-lists-unused", warnNetworkUnused},
	{"network-cidr-wide", warnWideCIDR},
	{"tmp-counts-as-memory", warnTmpMemory},
	{"filesystem-duplicates", warnFilesystemDuplicates},
	{"analysis-off", warnAnalysisOff},
	{"audit-off", warnAuditOff},
	{"environment-ignored", warnEnvIgnored},
}

// check runs every check and every warning on p.
func (p *Policy) check() (Errors, []*Warning) {
	c := &checker{p: p}
	for _, ch := range checks {
		ch.fn(c)
	}
	for _, w := range warnings {
		w.fn(c)
	}
	c.errs.sort()
	Errors(c.warns).sort()
	return c.errs, c.warns
}

const (
	maxWall   = 24 * time.Hour
	minMemory = 4 << 20
	maxMemory = 1 << 40
	maxProcs  = 1 << 16
	maxFiles  = 1 << 20
)

func checkLimitsPositive(c *checker) {
	l := c.p.Limits
	for _, f := range []struct {
		field string
		v     int64
	}{
		{"limits.wall_time", int64(l.WallTime)}, {"limits.cpu_time", int64(l.CPUTime)},
		{"limits.memory", int64(l.Memory)}, {"limits.processes", int64(l.Processes)},
		{"limits.file_size", int64(l.FileSize)}, {"limits.open_files", int64(l.OpenFiles)},
		{"limits.output", int64(l.Output)}, {"limits.tmp", int64(l.Tmp)},
	} {
		if f.v <= 0 {
			c.errorf(fields(f.field), "must be more than 0 (a limit of nothing would stop every script; every limit is required)")
		}
	}
}

func checkLimitsSane(c *checker) {
	l := c.p.Limits
	if l.WallTime.D() > maxWall {
		c.errorf(fields("limits.wall_time"), "%s is more than the %s a run may take", l.WallTime, Duration(maxWall))
	}
	if l.Memory > 0 && l.Memory < minMemory {
		c.errorf(fields("limits.memory"), "%s is too little for an interpreter to start (at least %s)", l.Memory, Size(minMemory))
	}
	if l.Memory > maxMemory {
		c.errorf(fields("limits.memory"), "%s is absurd (at most %s)", l.Memory, Size(maxMemory))
	}
	if l.Processes > maxProcs {
		c.errorf(fields("limits.processes"), "%d is absurd (at most %d)", l.Processes, maxProcs)
	}
	if l.OpenFiles > 0 && l.OpenFiles < 3 {
		c.errorf(fields("limits.open_files"), "%d leaves no room for stdin, stdout and stderr (at least 3)", l.OpenFiles)
	}
	if l.OpenFiles > maxFiles {
		c.errorf(fields("limits.open_files"), "%d is above the kernel's default nr_open (at most %d)", l.OpenFiles, maxFiles)
	}
	if l.Tmp > maxMemory {
		c.errorf(fields("limits.tmp"), "%s is absurd (at most %s)", l.Tmp, Size(maxMemory))
	}
	if l.Output > 1<<30 {
		c.errorf(fields("limits.output"), "%s is more than the 1GiB cordon keeps in memory per stream", l.Output)
	}
}

func checkCPUWithinWall(c *checker) {
	l := c.p.Limits
	if l.CPUTime > l.WallTime && l.WallTime > 0 {
		c.errorf(fields("limits.cpu_time", "limits.wall_time"), "cpu_time %s is above wall_time %s: the run is stopped at wall_time, so the CPU limit could never apply (lower cpu_time or raise wall_time)", l.CPUTime, l.WallTime)
	}
}

func checkFilesystemPaths(c *checker) {
	f := c.p.Filesystem
	for _, list := range []struct {
		field string
		paths []string
	}{{"filesystem.read_only", f.ReadOnly}, {"filesystem.read_write", f.ReadWrite}, {"filesystem.deny", f.Deny}} {
		for i, p := range list.paths {
			field := indexPath(list.field, i)
			switch {
			case p == "":
				c.errorf(fields(field), "empty path")
			case !filepath.IsAbs(p) || filepath.Clean(p) != p:
				c.errorf(fields(field), "path %q is not absolute and clean (want %s)", p, filepath.Clean("/"+p))
			case p == "/" && list.field == "filesystem.read_write":
				c.errorf(fields(field), "read_write / would let the script change the whole host")
			}
		}
	}
}

func checkFilesystemOverlap(c *checker) {
	f := c.p.Filesystem
	if f.ReadOnlyMode != "" && !slices.Contains(ReadOnlyModes, f.ReadOnlyMode) {
		c.errorf(fields("filesystem.read_only_mode"), "unknown mode %q (valid: bind, copy)", f.ReadOnlyMode)
	}
	rw := map[string]int{}
	for j := len(f.ReadWrite) - 1; j >= 0; j-- {
		rw[f.ReadWrite[j]] = j
	}
	for i, ro := range f.ReadOnly {
		if j, ok := rw[ro]; ok {
			c.errorf(fields(indexPath("filesystem.read_only", i), indexPath("filesystem.read_write", j)),
				"%s is both read_only and read_write (list it once)", ro)
		}
	}
}

func checkNetworkMode(c *checker) {
	n := c.p.Network
	if !slices.Contains(NetworkModes, n.Mode) {
		c.errorf(fields("network.mode"), "unknown mode %q (valid: none, allowlist, host)", n.Mode)
		return
	}
	if n.Mode == NetworkHost && !n.UnsafeHost {
		c.errorf(fields("network.mode", "network.unsafe_host"), "mode host shares the host's network with no isolation at all; it needs unsafe_host: true to say so (or use mode allowlist)")
	}
}

func checkNetworkPorts(c *checker) {
	for i, p := range c.p.Network.Ports {
		if p < 1 || p > 65535 {
			c.errorf(fields(indexPath("network.ports", i)), "port %d out of range (valid: 1 to 65535)", p)
		}
	}
}

func checkNetworkDomains(c *checker) {
	for i, d := range c.p.Network.Domains {
		field := indexPath("network.domains", i)
		n, err := NormalizeDomain(d)
		if err != nil {
			c.errorf(fields(field), "%v", err)
		} else if n != d {
			c.errorf(fields(field), "domain %q is not in canonical form (write %s)", d, n)
		}
	}
}

func checkNetworkCIDRs(c *checker) {
	for i, s := range c.p.Network.CIDRs {
		field := indexPath("network.cidrs", i)
		p, err := NormalizeCIDR(s)
		if err != nil {
			c.errorf(fields(field), "%v", err)
		} else if p.String() != s {
			c.errorf(fields(field), "CIDR %q is not in canonical form (write %s)", s, p)
		}
	}
}

func checkNetworkLimits(c *checker) {
	n := c.p.Network
	if n.MaxConnections < 1 {
		c.errorf(fields("network.max_connections"), "must be at least 1")
	}
	if n.MaxBytesOut <= 0 {
		c.errorf(fields("network.max_bytes_out"), "must be more than 0")
	}
	if n.MaxBytesIn <= 0 {
		c.errorf(fields("network.max_bytes_in"), "must be more than 0")
	}
	if n.ConnectionTime <= 0 {
		c.errorf(fields("network.connection_time"), "must be more than 0")
	}
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// fixedEnv are set by the sandbox to match its own layout.
var fixedEnv = map[string]string{
	"PATH": "the sandbox's PATH names its own bin dirs",
	"HOME": "the sandbox's HOME is its work dir",
	"LANG": "the sandbox sets LANG=C.UTF-8 (set LANG in environment.set to choose another locale)",
}

func checkEnvironment(c *checker) {
	e := c.p.Environment
	name := func(field, n string) bool {
		if !envName.MatchString(n) {
			c.errorf(fields(field), "%q is not a variable name (letters, digits and _, not starting with a digit)", n)
			return false
		}
		if strings.HasPrefix(n, "LD_") {
			c.errorf(fields(field), "%s makes the dynamic loader load or find code: not allowed", n)
			return false
		}
		return true
	}
	for i, n := range e.Pass {
		field := indexPath("environment.pass", i)
		if !name(field, n) {
			continue
		}
		if why, ok := fixedEnv[n]; ok {
			c.errorf(fields(field), "%s cannot be passed from the host: %s", n, why)
		}
		if _, ok := e.Set[n]; ok {
			c.errorf(fields(field, "environment.set."+n), "%s is both passed and set (keep one)", n)
		}
	}
	for _, n := range sortedKeys(e.Set) {
		field := "environment.set." + n
		if !name(field, n) {
			continue
		}
		if n == "PATH" || n == "HOME" {
			c.errorf(fields(field), "%s cannot be set: %s", n, fixedEnv[n])
		}
		if strings.ContainsRune(e.Set[n], 0) {
			c.errorf(fields(field), "value contains a NUL byte")
		}
	}
}

var ruleID = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]*$`)

func checkAnalysis(c *checker) {
	a := c.p.Analysis
	if a.Block.Rank() < 0 {
		c.errorf(fields("analysis.block"), "unknown severity %q (valid: low, medium, high, off)", a.Block)
	}
	for i, r := range a.Allow {
		field := indexPath("analysis.allow", i)
		if !ruleID.MatchString(r.Rule) {
			c.errorf(fields(field), "rule %q is not a rule id (such as CDN101)", r.Rule)
		} else if why := ruleProblem(r.Rule); why != "" {
			c.errorf(fields(field), "rule %q %s", r.Rule, why)
		}
		for _, g := range r.Paths {
			if g == "" {
				c.errorf(fields(field), "empty path pattern")
			} else if _, err := path.Match(g, ""); err != nil {
				c.errorf(fields(field), "bad path pattern %q (path.Match syntax: *, ?, [a-z])", g)
			}
		}
	}
}

func checkAudit(c *checker) {
	a := c.p.Audit
	if a.Fsync != FsyncRecord && a.Fsync != FsyncGroup {
		c.errorf(fields("audit.fsync"), "unknown fsync mode %q (valid: record, group)", a.Fsync)
	}
	if a.CheckpointEvery < 1 {
		c.errorf(fields("audit.checkpoint_every"), "must be at least 1 record")
	}
	if a.CheckpointInterval <= 0 {
		c.errorf(fields("audit.checkpoint_interval"), "must be more than 0")
	}
	if a.RotateSize < 4<<10 {
		c.errorf(fields("audit.rotate_size"), "must be at least 4KiB")
	}
	if a.RotateAge <= 0 {
		c.errorf(fields("audit.rotate_age"), "must be more than 0")
	}
	for _, f := range []struct{ field, v string }{{"audit.dir", a.Dir}, {"audit.signing_key", a.SigningKey}} {
		if f.v != "" && !filepath.IsAbs(f.v) {
			c.errorf(fields(f.field), "path %q is not absolute", f.v)
		}
	}
	if a.Witness == "exec:" || strings.TrimSpace(strings.TrimPrefix(a.Witness, "exec:")) == "" && a.Witness != "" {
		c.errorf(fields("audit.witness"), "exec: needs a command")
	}
}

func checkRuntime(c *checker) {
	r := c.p.Runtime
	switch {
	case strings.TrimSpace(r.Interpreter) == "":
		c.errorf(fields("runtime.interpreter"), "must name an interpreter (such as python3 or /usr/bin/python3)")
	case strings.ContainsAny(r.Interpreter, " \t\n"):
		c.errorf(fields("runtime.interpreter"), "%q has spaces: put arguments in runtime.args", r.Interpreter)
	case strings.Contains(r.Interpreter, "/") && !filepath.IsAbs(r.Interpreter):
		c.errorf(fields("runtime.interpreter"), "%q: want a name looked up on PATH or an absolute path", r.Interpreter)
	}
	for i, a := range r.Args {
		if strings.ContainsRune(a, 0) {
			c.errorf(fields(indexPath("runtime.args", i)), "argument contains a NUL byte")
		}
	}
	if r.Venv != "" {
		if !filepath.IsAbs(r.Venv) {
			c.errorf(fields("runtime.venv"), "%q: want a folder path (relative to the policy file)", r.Venv)
		} else if !fileExists(filepath.Join(r.Venv, "pyvenv.cfg")) {
			c.errorf(fields("runtime.venv"), "%s is not a virtual environment (it has no pyvenv.cfg; create one with python3 -m venv)", r.Venv)
		} else if !fileExists(r.Program()) {
			c.errorf(fields("runtime.venv"), "%s has no bin/python3 or bin/python", r.Venv)
		}
	}
	seen := map[string]bool{}
	for i, tool := range r.Tools {
		f := fields(indexPath("runtime.tools", i))
		switch {
		case strings.TrimSpace(tool) == "":
			c.errorf(f, "must name a program (such as sh or /usr/bin/git)")
		case strings.ContainsAny(tool, " \t\n\x00"):
			c.errorf(f, "%q has spaces: name one program; the script passes its arguments", tool)
		case strings.Contains(tool, "/") && (!filepath.IsAbs(tool) || filepath.Clean(tool) != tool):
			c.errorf(f, "%q: want a name looked up in /usr/local/bin, /usr/bin and /bin, or a clean absolute path", tool)
		case seen[tool]:
			c.errorf(f, "%s is listed twice", tool)
		}
		seen[tool] = true
	}
}

func checkIsolation(c *checker) {
	for i, l := range c.p.Isolation.AllowDegraded {
		if !slices.Contains(Layers, l) {
			names := make([]string, len(Layers))
			for j, x := range Layers {
				names[j] = string(x)
			}
			msg := fmt.Sprintf("unknown layer %q", l)
			if s := suggest(string(l), names); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				msg += " (valid: " + strings.Join(names, ", ") + ")"
			}
			c.errorf(fields(indexPath("isolation.allow_degraded", i)), "%s", msg)
		}
	}
	for i, g := range c.p.Isolation.AllowSyscalls {
		if !slices.Contains(SyscallGroups, g) {
			msg := fmt.Sprintf("unknown syscall group %q", g)
			if s := suggest(g, SyscallGroups); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				msg += " (valid: " + strings.Join(SyscallGroups, ", ") + ")"
			}
			c.errorf(fields(indexPath("isolation.allow_syscalls", i)), "%s", msg)
		}
	}
	c.p.Isolation.Refusals.each(func(class string, a RefusalAction) {
		if !slices.Contains(RefusalActions, a) {
			c.errorf(fields("isolation.refusals."+class), "unknown action %q (valid: kill, violation, record)", a)
		}
	})
}

func warnAllowlistEmpty(c *checker) {
	n := c.p.Network
	if n.Mode != NetworkAllowlist {
		return
	}
	if len(n.Domains) == 0 && len(n.CIDRs) == 0 {
		c.warnf(fields("network.mode"), "mode allowlist with no domains and no cidrs allows no destination at all")
		return
	}
	if len(n.Ports) == 0 {
		for i, d := range n.Domains {
			if _, port, _ := splitDomain(d); port == 0 {
				c.warnf(fields(indexPath("network.domains", i), "network.ports"), "%s names no port and network.ports is empty: it allows nothing", d)
			}
		}
	}
}

func warnNetworkUnused(c *checker) {
	n := c.p.Network
	if n.Mode == NetworkNone && (len(n.Domains) > 0 || len(n.CIDRs) > 0) {
		c.warnf(fields("network.mode", "network.domains", "network.cidrs"), "domains and cidrs are ignored in mode none")
	}
	if n.UnsafeHost && n.Mode != NetworkHost {
		c.warnf(fields("network.unsafe_host"), "unsafe_host has no effect unless mode is host")
	}
	if n.AllowBind && n.Mode != NetworkHost {
		c.warnf(fields("network.allow_bind"), "allow_bind has no effect unless mode is host (modes none and allowlist always allow binding on the sandbox's own loopback)")
	}
}

// Special addresses (loopback, private, metadata, ...) are allowed by the
// egress proxy only through a CIDR entry at least this narrow (IPv4,
// IPv6): a wide entry allows public addresses only.
const (
	MinSpecialCIDRBits4 = 8
	MinSpecialCIDRBits6 = 7
)

func warnWideCIDR(c *checker) {
	for i, s := range c.p.Network.CIDRs {
		p, err := NormalizeCIDR(s)
		if err != nil {
			continue // an error already
		}
		min := MinSpecialCIDRBits6
		if p.Addr().Is4() {
			min = MinSpecialCIDRBits4
		}
		if p.Bits() < min {
			c.warnf(fields(indexPath("network.cidrs", i)), "%s is wider than /%d: it allows public addresses only, never loopback, private or cloud-metadata ones inside it (list those ranges narrowly, e.g. 10.0.0.0/8)", s, min)
		}
	}
}

func warnTmpMemory(c *checker) {
	l := c.p.Limits
	if l.Tmp > l.Memory && l.Memory > 0 {
		c.warnf(fields("limits.tmp", "limits.memory"), "tmp %s is above memory %s: files in /tmp are kept in memory and count against the memory limit", l.Tmp, l.Memory)
	}
}

func warnFilesystemDuplicates(c *checker) {
	f := c.p.Filesystem
	deny := map[string]bool{}
	for _, d := range f.Deny {
		deny[d] = true
	}
	for _, list := range []struct {
		field string
		paths []string
	}{{"filesystem.read_only", f.ReadOnly}, {"filesystem.read_write", f.ReadWrite}} {
		seen := map[string]bool{}
		for i, p := range list.paths {
			if seen[p] {
				c.warnf(fields(indexPath(list.field, i)), "%s is listed twice", p)
			}
			seen[p] = true
			// Walk up p's ancestors: linear in the lists, not quadratic.
			for a := p; ; a = filepath.Dir(a) {
				if deny[a] {
					c.warnf(fields(indexPath(list.field, i)), "%s is inside denied %s: deny wins, so this entry allows nothing", p, a)
					break
				}
				if a == "/" || a == "." || a == "" {
					break
				}
			}
		}
	}
}

func warnAnalysisOff(c *checker) {
	if c.p.Analysis.Block == SeverityOff {
		c.warnf(fields("analysis.block"), "analysis never blocks a run (findings are only reported)")
	}
}

func warnAuditOff(c *checker) {
	if !c.p.Audit.Enabled {
		c.warnf(fields("audit.enabled"), "runs are not recorded in the audit log")
	}
}

func warnEnvIgnored(c *checker) {
	if !slices.Contains(c.p.Runtime.Args, "-E") && !slices.Contains(c.p.Runtime.Args, "-I") {
		return
	}
	for _, n := range append(slices.Clone(c.p.Environment.Pass), sortedKeys(c.p.Environment.Set)...) {
		if strings.HasPrefix(n, "PYTHON") {
			c.warnf(fields("environment.set."+n, "environment.pass"), "%s is ignored: runtime.args has -E or -I", n)
		}
	}
}

func checkOutputs(c *checker) {
	o := c.p.Outputs
	if o.MaxFiles < 1 {
		c.errorf(fields("outputs.max_files"), "must be at least 1")
	}
	if o.MaxSize <= 0 {
		c.errorf(fields("outputs.max_size"), "must be more than 0")
	}
	for i, p := range o.Paths {
		if err := CheckOutputPattern(p); err != nil {
			c.errorf(fields(indexPath("outputs.paths", i)), "%v", err)
		}
	}
}
