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
	"time"

	"golang.org/x/sys/unix"
)

// Group is one run's cgroup: a directory in every hierarchy the manager
// uses. Its methods may be called from several goroutines.
type Group struct {
	name        string
	m           *Manager
	dirs        []groupDir
	swapBounded bool
}

type groupDir struct {
	h    *hier
	path string
}

// Name is the directory name: "<creator pid>-<creator start>-<name>".
func (g *Group) Name() string { return g.name }

// Paths lists the group's directories, one per hierarchy.
func (g *Group) Paths() []string {
	out := make([]string, len(g.dirs))
	for i, d := range g.dirs {
		out[i] = d.path
	}
	return out
}

// SwapBounded reports whether the memory limit really excludes swap: the
// kernel accepted the swap limit, or the host has no active swap.
func (g *Group) SwapBounded() bool { return g.swapBounded }

// dir returns the directory serving controller c, "" if none.
func (g *Group) dir(c string) (string, bool) {
	for _, d := range g.dirs {
		if slices.Contains(d.h.controllers, c) {
			return d.path, d.h.v2
		}
	}
	return "", false
}

func (g *Group) v2dir() string {
	for _, d := range g.dirs {
		if d.h.v2 {
			return d.path
		}
	}
	return ""
}

func (g *Group) setLimits(l Limits) error {
	set := func(c, file, val string) error {
		d, _ := g.dir(c)
		p := filepath.Join(d, file)
		if err := writeFile(p, val); err != nil {
			return &Error{Op: "limit", Controller: c, Path: p, Err: permission(err)}
		}
		return nil
	}
	exists := func(c, file string) bool {
		d, _ := g.dir(c)
		_, err := os.Stat(filepath.Join(d, file))
		return err == nil
	}
	if l.Memory > 0 {
		n := strconv.FormatInt(l.Memory, 10)
		_, v2 := g.dir(Memory)
		g.swapBounded = g.m.swapOff
		if v2 {
			if err := set(Memory, "memory.max", n); err != nil {
				return err
			}
			if exists(Memory, "memory.swap.max") {
				if err := set(Memory, "memory.swap.max", "0"); err != nil {
					return err
				}
				g.swapBounded = true
			}
		} else {
			// memory.limit_in_bytes first: memsw may never be below it.
			if err := set(Memory, "memory.limit_in_bytes", n); err != nil {
				return err
			}
			// Present only with swap accounting (swapaccount=1).
			if exists(Memory, "memory.memsw.limit_in_bytes") {
				if err := set(Memory, "memory.memsw.limit_in_bytes", n); err != nil {
					return err
				}
				g.swapBounded = true
			} else if err := set(Memory, "memory.swappiness", "0"); err != nil {
				return err
			}
		}
	}
	if l.Pids > 0 {
		if err := set(Pids, "pids.max", strconv.FormatInt(l.Pids, 10)); err != nil {
			return err
		}
	}
	if l.CPU > 0 {
		q := strconv.FormatInt(l.cpuQuotaUS(), 10)
		if _, v2 := g.dir(CPU); v2 {
			return set(CPU, "cpu.max", q+" "+strconv.Itoa(cpuPeriodUS))
		}
		if err := set(CPU, "cpu.cfs_period_us", strconv.Itoa(cpuPeriodUS)); err != nil {
			return err
		}
		return set(CPU, "cpu.cfs_quota_us", q)
	}
	return nil
}

// SetPids changes the group's pids limit after Create (a supervisor that
// learns its own share of the group only once a process in it started).
func (g *Group) SetPids(n int64) error {
	if n <= 0 {
		return &Error{Op: "limit", Controller: Pids, Err: fmt.Errorf("pids limit %d not positive", n)}
	}
	if d, _ := g.dir(Pids); d == "" {
		return &Error{Op: "limit", Controller: Pids, Err: ErrNotAvailable}
	}
	return g.setLimits(Limits{Pids: n})
}

// Place moves process pid (all its threads) into the group in every
// hierarchy. Moves are slow (an RCU grace period each time they are spaced
// apart): prefer FD with clone3 on v2, or place while the child still
// prepares itself.
func (g *Group) Place(pid int) error {
	s := strconv.Itoa(pid)
	for _, d := range g.dirs {
		p := filepath.Join(d.path, "cgroup.procs")
		if err := writeFile(p, s); err != nil {
			return &Error{Op: "place", Path: p, Err: permission(err)}
		}
	}
	return nil
}

// FD opens the group's v2 directory for clone3 CLONE_INTO_CGROUP
// (syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}); the caller closes
// it. A v1 directory fd makes clone3 fail with EBADF, so on a host whose
// controllers live on v1 the child must still be Placed in those.
func (g *Group) FD() (int, error) {
	d := g.v2dir()
	if d == "" {
		return -1, &Error{Op: "fd", Err: ErrNoV2}
	}
	fd, err := unix.Open(d, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, &Error{Op: "fd", Path: d, Err: err}
	}
	return fd, nil
}

// NeedsPlace reports whether a child spawned with FD still has to be
// Placed: true when any hierarchy of the group is v1.
func (g *Group) NeedsPlace() bool {
	for _, d := range g.dirs {
		if !d.h.v2 {
			return true
		}
	}
	return false
}

// Procs lists the processes (thread-group ids) in the group, in any of its
// hierarchies.
func (g *Group) Procs() ([]int, error) {
	var out []int
	for _, d := range g.dirs {
		b, err := os.ReadFile(filepath.Join(d.path, "cgroup.procs"))
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			return nil, &Error{Op: "procs", Path: d.path, Err: err}
		}
		pids, err := parsePids(string(b))
		if err != nil {
			return nil, &Error{Op: "procs", Path: d.path, Err: err}
		}
		for _, p := range pids {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// killTimeout bounds how long Kill waits for the group to empty.
const killTimeout = 5 * time.Second

// Kill sends SIGKILL to every process of the group and waits until the
// group is empty. v2: cgroup.kill (atomic, also catches processes forking
// meanwhile). v1: freeze with the freezer controller, kill each pid while
// frozen (a frozen task cannot exit, so its pid cannot be reused before the
// signal lands, and it cannot fork), thaw. Without either: kill what
// cgroup.procs lists until it stays empty.
func (g *Group) Kill() error {
	if d := g.v2dir(); d != "" {
		p := filepath.Join(d, "cgroup.kill")
		if err := writeFile(p, "1"); err == nil {
			return g.waitEmpty()
		} else if !errors.Is(err, os.ErrNotExist) {
			return &Error{Op: "kill", Path: p, Err: err}
		}
	}
	if d, _ := g.dir(Freezer); d != "" {
		if err := g.freezeKill(d); err != nil {
			return err
		}
		return g.waitEmpty()
	}
	deadline := time.Now().Add(killTimeout)
	for {
		pids, err := g.Procs()
		if err != nil {
			return err
		}
		if len(pids) == 0 {
			return nil
		}
		for _, p := range pids {
			_ = unix.Kill(p, unix.SIGKILL)
		}
		if time.Now().After(deadline) {
			return &Error{Op: "kill", Path: g.name, Err: fmt.Errorf("%d processes left after %v", len(pids), killTimeout)}
		}
		time.Sleep(time.Millisecond)
	}
}

func (g *Group) freezeKill(d string) error {
	state := filepath.Join(d, "freezer.state")
	if err := writeFile(state, "FROZEN"); err != nil {
		return &Error{Op: "kill", Controller: Freezer, Path: state, Err: err}
	}
	// Thaw whatever happens: a frozen group would keep its processes forever.
	defer func() { _ = writeFile(state, "THAWED") }()
	deadline := time.Now().Add(killTimeout)
	for delay := 100 * time.Microsecond; ; delay = min(2*delay, 10*time.Millisecond) {
		b, err := os.ReadFile(state)
		if err != nil {
			return &Error{Op: "kill", Controller: Freezer, Path: state, Err: err}
		}
		if strings.TrimSpace(string(b)) == "FROZEN" {
			break
		}
		if time.Now().After(deadline) {
			return &Error{Op: "kill", Controller: Freezer, Path: state, Err: errors.New("group did not freeze")}
		}
		// FREEZING: retrying the write nudges tasks that were in the middle
		// of a fork.
		_ = writeFile(state, "FROZEN")
		time.Sleep(delay)
	}
	pids, err := g.Procs()
	if err != nil {
		return err
	}
	for _, p := range pids {
		if err := unix.Kill(p, unix.SIGKILL); err != nil && !errors.Is(err, unix.ESRCH) {
			return &Error{Op: "kill", Path: d, Err: fmt.Errorf("pid %d: %w", p, err)}
		}
	}
	return nil
}

// waitEmpty polls cgroup.procs until no hierarchy lists a process.
func (g *Group) waitEmpty() error {
	deadline := time.Now().Add(killTimeout)
	for delay := 50 * time.Microsecond; ; delay = min(2*delay, 10*time.Millisecond) {
		pids, err := g.Procs()
		if err != nil {
			return err
		}
		if len(pids) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return &Error{Op: "kill", Path: g.name, Err: fmt.Errorf("processes %v left after %v", pids, killTimeout)}
		}
		time.Sleep(delay)
	}
}

// Destroy kills what the group still holds and removes its directories
// (and any sub-groups made inside them). Removing a removed group is not an
// error.
func (g *Group) Destroy() error {
	if pids, err := g.Procs(); err == nil && len(pids) > 0 {
		if err := g.Kill(); err != nil {
			return err
		}
	}
	var errs []error
	for _, d := range g.dirs {
		if err := removeTree(d.path); err != nil {
			errs = append(errs, &Error{Op: "destroy", Path: d.path, Err: err})
		}
	}
	return errors.Join(errs...)
}

// removeTree removes a group directory depth-first. cgroupfs directories
// hold only control files, which rmdir removes with the directory; a
// just-emptied group may answer EBUSY for a moment.
func removeTree(dir string) error {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range ents {
		if e.IsDir() {
			if err := removeTree(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		err := syscall.Rmdir(dir)
		switch {
		case err == nil || errors.Is(err, syscall.ENOENT):
			return nil
		case errors.Is(err, syscall.EBUSY) && time.Now().Before(deadline):
			time.Sleep(time.Millisecond)
		default:
			return err
		}
	}
}
