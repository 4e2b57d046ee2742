//go:build linux

package cgroup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// Version is a cgroup hierarchy version.
type Version int

// Hierarchy versions; 0 means "not available".
const (
	V1 Version = 1
	V2 Version = 2
)

func (v Version) String() string {
	switch v {
	case V1:
		return "v1"
	case V2:
		return "v2"
	}
	return "none"
}

// Controller names this package uses.
const (
	Memory  = "memory"
	Pids    = "pids"
	CPU     = "cpu"
	CPUAcct = "cpuacct" // v1 only: CPU usage (v2 has cpu.stat in every group)
	Freezer = "freezer" // v1 only: race-free kill (v2 has cgroup.kill)
)

var wantedV1 = []string{Memory, Pids, CPU, CPUAcct, Freezer}
var wantedV2 = []string{Memory, Pids, CPU}

// Options configures Open. The zero value is the normal case.
type Options struct {
	// Parent is the name of the project's directory under the supervisor's
	// current group in each hierarchy; "cordon" when empty.
	Parent string
}

// hier is one mounted hierarchy the manager uses.
type hier struct {
	v2          bool
	point       string   // mount point
	cur         string   // the supervisor's current group (filesystem path)
	parent      string   // cur/<Options.Parent>
	controllers []string // controllers this hierarchy serves to our groups
}

// Manager creates and cleans the project's groups. It is safe for
// concurrent use.
type Manager struct {
	hiers []*hier
	byCtl map[string]*hier
	v2    *hier            // the v2 hierarchy, if mounted (even with no controllers)
	notes map[string]error // why a wanted controller is missing
	self  groupName        // creator pid and start time; name unused

	swapOff bool // no active swap on the host (read once)
}

// Open finds the hierarchies, and ensures the project parent exists under
// the supervisor's own current group in each. It fails with ErrPermission
// when the caller may not create it.
func Open(opts Options) (*Manager, error) {
	if opts.Parent == "" {
		opts.Parent = "cordon"
	}
	if err := validName(opts.Parent); err != nil {
		return nil, &Error{Op: "open", Err: err}
	}
	mi, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, &Error{Op: "open", Err: err}
	}
	pc, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, &Error{Op: "open", Err: err}
	}
	return openFrom(opts, string(mi), string(pc))
}

// openFrom is Open over given /proc/self/mountinfo and /proc/self/cgroup texts.
func openFrom(opts Options, mountinfo, proccgroup string) (*Manager, error) {
	lines, err := parseProcCgroup(proccgroup)
	if err != nil {
		return nil, &Error{Op: "open", Err: err}
	}
	m := &Manager{byCtl: make(map[string]*hier), notes: make(map[string]error)}
	if m.self, err = selfID(); err != nil {
		return nil, &Error{Op: "open", Err: err}
	}
	for _, mt := range parseMountinfo(mountinfo) {
		if mt.v2 {
			if m.v2 != nil {
				continue // a second mount of the same hierarchy
			}
			line := findLine(lines, nil)
			if line == nil {
				continue
			}
			cur, ok := joinMount(mt, line.path)
			if !ok {
				continue
			}
			h := &hier{v2: true, point: mt.point, cur: cur, parent: filepath.Join(cur, opts.Parent)}
			avail := fields(cur, "cgroup.controllers")
			deleg := fields(cur, "cgroup.subtree_control")
			for _, c := range wantedV2 {
				switch {
				case slices.Contains(deleg, c):
					h.controllers = append(h.controllers, c)
				case slices.Contains(avail, c):
					m.notes[c] = ErrNotDelegated
				}
			}
			m.v2 = h
			m.hiers = append(m.hiers, h)
			continue
		}
		var served []string
		for _, c := range mt.controllers {
			if slices.Contains(wantedV1, c) && m.byCtl[c] == nil {
				served = append(served, c)
			}
		}
		if len(served) == 0 {
			continue
		}
		line := findLine(lines, mt.controllers)
		if line == nil {
			continue
		}
		cur, ok := joinMount(mt, line.path)
		if !ok {
			continue
		}
		h := &hier{point: mt.point, cur: cur, parent: filepath.Join(cur, opts.Parent), controllers: served}
		for _, c := range served {
			m.byCtl[c] = h
		}
		m.hiers = append(m.hiers, h)
	}
	if m.v2 != nil {
		for _, c := range m.v2.controllers {
			if m.byCtl[c] == nil { // a controller is bound to one version only
				m.byCtl[c] = m.v2
				delete(m.notes, c)
			}
		}
	}
	for _, c := range wantedV1 {
		if m.byCtl[c] != nil {
			delete(m.notes, c)
		}
	}
	if len(m.hiers) == 0 {
		return nil, &Error{Op: "open", Err: fmt.Errorf("%w: no cgroup hierarchy mounted", ErrNotAvailable)}
	}
	for _, h := range m.hiers {
		if err := m.ensureParent(h); err != nil {
			return nil, err
		}
	}
	m.swapOff = !swapActive()
	return m, nil
}

// ensureParent creates h.parent and, on v2, enables the served controllers
// for its children. Nothing above h.parent is written.
func (m *Manager) ensureParent(h *hier) error {
	if err := os.Mkdir(h.parent, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return &Error{Op: "open", Path: h.parent, Err: permission(err)}
	}
	if !h.v2 || len(h.controllers) == 0 {
		return nil
	}
	have := fields(h.parent, "cgroup.subtree_control")
	var add []string
	for _, c := range h.controllers {
		if !slices.Contains(have, c) {
			add = append(add, "+"+c)
		}
	}
	if len(add) == 0 {
		return nil
	}
	p := filepath.Join(h.parent, "cgroup.subtree_control")
	if err := writeFile(p, strings.Join(add, " ")); err != nil {
		return &Error{Op: "open", Path: p, Err: permission(err)}
	}
	return nil
}

// Controllers reports the version serving each controller this package
// uses; a controller absent from the map is not available.
func (m *Manager) Controllers() map[string]Version {
	out := make(map[string]Version, len(m.byCtl))
	for c, h := range m.byCtl {
		out[c] = V1
		if h.v2 {
			out[c] = V2
		}
	}
	return out
}

// Check returns nil when controller c is available, else an *Error wrapping
// ErrNotAvailable or ErrNotDelegated.
func (m *Manager) Check(c string) error {
	if m.byCtl[c] != nil {
		return nil
	}
	err := m.notes[c]
	if err == nil {
		err = ErrNotAvailable
	}
	return &Error{Op: "open", Controller: c, Err: err}
}

// HasV2 reports whether groups get a cgroup v2 directory (cgroup.kill,
// Group.FD).
func (m *Manager) HasV2() bool { return m.v2 != nil }

// Create makes the group name (1–64 of [A-Za-z0-9_.-]) in every hierarchy
// and writes the limits. A limit whose controller is missing is an error:
// nothing is created.
func (m *Manager) Create(name string, l Limits) (*Group, error) {
	if err := validName(name); err != nil {
		return nil, &Error{Op: "create", Err: err}
	}
	if err := l.validate(); err != nil {
		return nil, &Error{Op: "create", Err: err}
	}
	for _, need := range l.controllers() {
		if err := m.Check(need); err != nil {
			if ce := (*Error)(nil); errors.As(err, &ce) {
				ce.Op = "create"
			}
			return nil, err
		}
	}
	gn := groupName{pid: m.self.pid, start: m.self.start, name: name}
	g := &Group{name: gn.String(), m: m}
	for _, h := range m.hiers {
		p := filepath.Join(h.parent, g.name)
		if err := os.Mkdir(p, 0o755); err != nil {
			_ = g.Destroy()
			return nil, &Error{Op: "create", Path: p, Err: permission(err)}
		}
		g.dirs = append(g.dirs, groupDir{h: h, path: p})
	}
	if err := g.setLimits(l); err != nil {
		_ = g.Destroy()
		return nil, err
	}
	return g, nil
}

// CleanStale removes the project's groups whose creator is no longer alive
// (pid gone, or reused by a process with another start time), killing what
// they still hold. Groups of live creators — other supervisors included —
// are left alone, and so is anything not named like a cordon group. It
// returns the names removed.
func (m *Manager) CleanStale() ([]string, error) {
	stale := make(map[string]*Group)
	var order []string
	var errs []error
	for _, h := range m.hiers {
		ents, err := os.ReadDir(h.parent)
		if err != nil {
			errs = append(errs, &Error{Op: "clean", Path: h.parent, Err: err})
			continue
		}
		for _, e := range ents {
			if !e.IsDir() {
				continue
			}
			gn, err := parseGroupName(e.Name())
			if err != nil || alive(gn) {
				continue
			}
			g := stale[e.Name()]
			if g == nil {
				g = &Group{name: e.Name(), m: m}
				stale[e.Name()] = g
				order = append(order, e.Name())
			}
			g.dirs = append(g.dirs, groupDir{h: h, path: filepath.Join(h.parent, e.Name())})
		}
	}
	var removed []string
	for _, n := range order {
		if err := stale[n].Destroy(); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, n)
	}
	return removed, errors.Join(errs...)
}

// alive reports whether the creator recorded in gn still runs.
func alive(gn groupName) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(gn.pid) + "/stat")
	if err != nil {
		return false
	}
	st, err := parseStatStart(string(b))
	return err == nil && st == gn.start
}

func selfID() (groupName, error) {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return groupName{}, err
	}
	st, err := parseStatStart(string(b))
	if err != nil {
		return groupName{}, err
	}
	return groupName{pid: os.Getpid(), start: st}, nil
}

// findLine returns the /proc/self/cgroup line of the v1 hierarchy carrying
// ctls, or the v2 line (id 0, no controllers) when ctls is nil.
func findLine(lines []procCgroup, ctls []string) *procCgroup {
	for i := range lines {
		l := &lines[i]
		if ctls == nil {
			if l.id == 0 && len(l.controllers) == 0 {
				return l
			}
			continue
		}
		for _, c := range ctls {
			if slices.Contains(l.controllers, c) {
				return l
			}
		}
	}
	return nil
}

// joinMount maps a group path of the hierarchy to the filesystem, given the
// mount's root inside the hierarchy (not "/" under a cgroup namespace or a
// bind mount of a subtree).
func joinMount(mt mount, path string) (string, bool) {
	rel := path
	if mt.root != "/" {
		if path != mt.root && !strings.HasPrefix(path, mt.root+"/") {
			return "", false
		}
		rel = strings.TrimPrefix(path, mt.root)
	}
	if strings.Contains(rel, "/../") || strings.HasSuffix(rel, "/..") {
		return "", false
	}
	return filepath.Join(mt.point, rel), true
}

// fields reads a space-separated list file; missing means empty.
func fields(dir, file string) []string {
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		return nil
	}
	return strings.Fields(string(b))
}

// swapActive reports whether /proc/swaps lists any swap area.
func swapActive() bool {
	b, err := os.ReadFile("/proc/swaps")
	if err != nil {
		return true // unknown: assume the worst
	}
	return len(strings.Split(strings.TrimSpace(string(b)), "\n")) > 1
}

// permission marks EACCES, EPERM and EROFS as ErrPermission.
func permission(err error) error {
	if errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EROFS) {
		return fmt.Errorf("%w: %w", ErrPermission, err)
	}
	return err
}

// writeFile writes s to an existing control file (no create, no truncate
// semantics beyond what cgroupfs does).
func writeFile(path, s string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(s)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
