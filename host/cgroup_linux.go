package host

// Which cgroup controllers this user can use. For each of memory, pids
// and cpu: find the hierarchy that holds it (a v1 hierarchy binds it away
// from v2), find this process's own group there, and try for real:
// create a probe group under that group, check the controller is enabled
// in it, write a limit, check cgroup.procs is writable, remove it. The
// probe touches only the group it created.

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// v1Controllers are the controller names a v1 mount's super options may
// carry (the rest are flags such as rw, relatime, clone_children).
var v1Controllers = map[string]bool{
	"cpu": true, "cpuacct": true, "cpuset": true, "memory": true, "devices": true,
	"freezer": true, "net_cls": true, "net_prio": true, "blkio": true,
	"perf_event": true, "hugetlb": true, "pids": true, "rdma": true, "misc": true,
	"debug": true,
}

// probedControllers are the ones the sandbox uses, in report order.
var probedControllers = []string{"memory", "pids", "cpu"}

// limitFiles is a harmless limit per controller and version, written to
// the probe group to prove this user may set limits.
var limitFiles = map[string]map[string][2]string{
	"v1": {
		"memory": {"memory.limit_in_bytes", "268435456"},
		"pids":   {"pids.max", "64"},
		"cpu":    {"cpu.cfs_quota_us", "100000"},
	},
	"v2": {
		"memory": {"memory.max", "268435456"},
		"pids":   {"pids.max", "64"},
		"cpu":    {"cpu.max", "100000 100000"},
	},
}

// cgroupLayout is what mountinfo and /proc/self/cgroup say.
type cgroupLayout struct {
	v1     []Hierarchy
	v1Root map[string]string // mount point -> mount root
	v2     *Unified
	v2Root string
	own    []CgroupLine
}

func readLayout() (*cgroupLayout, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	mounts, err := ParseMountinfo(f)
	f.Close()
	if err != nil {
		return nil, err
	}
	l := layoutFromMounts(mounts)
	cf, err := os.Open("/proc/self/cgroup")
	if err != nil {
		return l, err
	}
	defer cf.Close()
	if l.own, err = ParseProcCgroup(cf); err != nil {
		return l, err
	}
	if l.v2 != nil {
		b, err := os.ReadFile(filepath.Join(l.v2.Mount, "cgroup.controllers"))
		if err == nil {
			l.v2.Controllers, err = ParseControllers(string(b))
		}
		if err != nil {
			return l, fmt.Errorf("cgroup v2 controllers: %w", err)
		}
	}
	return l, nil
}

// layoutFromMounts picks the cgroup mounts: each v1 hierarchy once (the
// first mount of a controller set), and the first cgroup2 mount.
func layoutFromMounts(mounts []Mount) *cgroupLayout {
	l := &cgroupLayout{v1: []Hierarchy{}, v1Root: map[string]string{}}
	seen := map[string]bool{}
	for _, m := range mounts {
		switch m.FSType {
		case "cgroup":
			var ctls []string
			for _, o := range splitOptions(m.SuperOptions) {
				if v1Controllers[o] || strings.HasPrefix(o, "name=") {
					ctls = append(ctls, o)
				}
			}
			key := strings.Join(ctls, ",")
			if len(ctls) == 0 || seen[key] {
				continue
			}
			seen[key] = true
			l.v1 = append(l.v1, Hierarchy{Mount: m.Point, Controllers: ctls})
			l.v1Root[m.Point] = m.Root
		case "cgroup2":
			if l.v2 == nil {
				l.v2 = &Unified{Mount: m.Point, Controllers: []string{}}
				l.v2Root = m.Root
			}
		}
	}
	return l
}

// ownGroup joins a mount point and this process's path in the hierarchy,
// taking away the mount's own root (a container may mount a subtree).
func ownGroup(mount, mountRoot, path string) (string, error) {
	rel := path
	if mountRoot != "/" && mountRoot != "" {
		if path != mountRoot && !strings.HasPrefix(path, mountRoot+"/") {
			return "", fmt.Errorf("own group %s lies outside the mounted subtree %s", path, mountRoot)
		}
		rel = strings.TrimPrefix(path, mountRoot)
	}
	return filepath.Join(mount, rel), nil
}

// locate finds where controller lives and this process's group there.
func (l *cgroupLayout) locate(ctl string) Controller {
	c := Controller{Name: ctl}
	for _, h := range l.v1 {
		for _, x := range h.Controllers {
			if x != ctl {
				continue
			}
			c.Version, c.Mount = "v1", h.Mount
			for _, line := range l.own {
				for _, y := range line.Controllers {
					if y == ctl {
						g, err := ownGroup(h.Mount, l.v1Root[h.Mount], line.Path)
						if err != nil {
							c.Error = err.Error()
						}
						c.Group = g
						return c
					}
				}
			}
			c.Error = "this process is in no group of the " + ctl + " hierarchy (/proc/self/cgroup)"
			return c
		}
	}
	if l.v2 != nil {
		for _, x := range l.v2.Controllers {
			if x != ctl {
				continue
			}
			c.Version, c.Mount = "v2", l.v2.Mount
			for _, line := range l.own {
				if line.ID == 0 && len(line.Controllers) == 0 {
					g, err := ownGroup(l.v2.Mount, l.v2Root, line.Path)
					if err != nil {
						c.Error = err.Error()
					}
					c.Group = g
					return c
				}
			}
			c.Error = "this process has no cgroup v2 group (/proc/self/cgroup)"
			return c
		}
	}
	c.Error = "not on any v1 hierarchy and not among cgroup v2's controllers"
	return c
}

func probeCgroups() Cgroups {
	cg := Cgroups{V1: []Hierarchy{}, Controllers: []Controller{}}
	l, err := readLayout()
	if l != nil {
		cg.V1, cg.V2 = l.v1, l.v2
	}
	if err != nil {
		cg.Error = err.Error()
		return cg
	}
	for _, ctl := range probedControllers {
		c := l.locate(ctl)
		if c.Error == "" {
			swap, err := tryGroup(c.Version, ctl, c.Group)
			if err != nil {
				c.Error = err.Error()
			} else {
				c.Usable = true
			}
			if ctl == "memory" {
				cg.SwapAccounting = swap
			}
		}
		if ctl == "memory" && c.Version == "v1" && !cg.SwapAccounting {
			// Swap accounting is a property of the hierarchy, visible at
			// its root even when this user cannot create groups.
			_, err := os.Stat(filepath.Join(c.Mount, "memory.memsw.limit_in_bytes"))
			cg.SwapAccounting = err == nil
		}
		cg.Controllers = append(cg.Controllers, c)
	}
	if b, err := os.ReadFile("/proc/swaps"); err == nil {
		cg.SwapActive = strings.Count(strings.TrimSpace(string(b)), "\n") > 0
	}
	return cg
}

// ProbeGroupPrefix starts the name of every group Probe creates, so a
// leftover from a killed probe is recognisable.
const ProbeGroupPrefix = "cordon-probe-"

// tryGroup creates a probe group under parent, checks ctl is usable in it
// and removes it. swap reports whether the group has swap accounting files.
func tryGroup(version, ctl, parent string) (swap bool, err error) {
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return false, err
	}
	dir := filepath.Join(parent, fmt.Sprintf("%s%d-%s", ProbeGroupPrefix, os.Getpid(), hex.EncodeToString(rnd[:])))
	if err := os.Mkdir(dir, 0o755); err != nil {
		return false, fmt.Errorf("cannot create a group under %s: %w", parent, unwrapPath(err))
	}
	defer func() {
		if rerr := os.Remove(dir); rerr != nil && err == nil {
			err = fmt.Errorf("removing probe group %s: %w", dir, rerr)
		}
	}()
	if version == "v2" {
		b, err := os.ReadFile(filepath.Join(dir, "cgroup.controllers"))
		if err != nil {
			return false, err
		}
		ctls, err := ParseControllers(string(b))
		if err != nil {
			return false, err
		}
		found := false
		for _, c := range ctls {
			found = found || c == ctl
		}
		if !found {
			return false, fmt.Errorf("%s is not enabled for groups under %s (its cgroup.subtree_control lacks +%s)", ctl, parent, ctl)
		}
	}
	lf := limitFiles[version][ctl]
	if err := os.WriteFile(filepath.Join(dir, lf[0]), []byte(lf[1]), 0); err != nil {
		return false, fmt.Errorf("cannot write %s in a new group under %s: %w", lf[0], parent, unwrapPath(err))
	}
	if err := unix.Access(filepath.Join(dir, "cgroup.procs"), unix.W_OK); err != nil {
		return false, fmt.Errorf("cannot move processes into a new group under %s: cgroup.procs: %w", parent, err)
	}
	if ctl == "memory" {
		swapFile := "memory.memsw.limit_in_bytes"
		if version == "v2" {
			swapFile = "memory.swap.max"
		}
		_, serr := os.Stat(filepath.Join(dir, swapFile))
		swap = serr == nil
	}
	return swap, nil
}

// unwrapPath drops the *PathError wrapper: the callers name the path.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
