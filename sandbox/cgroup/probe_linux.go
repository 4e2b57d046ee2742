//go:build linux

package cgroup

// What this host's cgroups offer the calling user, found by the code a run
// uses: Open (the hierarchies, the supervisor's own group in each, the
// project parent), Create with a limit for each controller the sandbox
// uses (a probe group "<pid>-<start>-probe-<controller>", so CleanStale
// recognises a leftover), Destroy. What `cordon doctor` reports is what a
// run would find.

import (
	"os"
	"path/filepath"
	"strings"
)

// probed are the controllers the sandbox uses, in report order, and a
// harmless limit that needs each.
var probed = []struct {
	name   string
	limits Limits
}{
	{Memory, Limits{Memory: 256 << 20}},
	{Pids, Limits{Pids: 64}},
	{CPU, Limits{CPU: 1}},
}

// Probe reports the cgroup hierarchies of this host and whether a group
// with a limit can be created for each of memory, pids and cpu, under
// the project parent opts names. It creates the project parent if it is
// missing (as the first run would) and removes every probe group.
func Probe(opts Options) Report {
	r := Report{V1: []Hierarchy{}, Controllers: []Controller{}}
	mi, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		r.Error = err.Error()
		return r
	}
	r.mounted(parseMountinfo(string(mi)))
	r.SwapActive = swapActive()
	m, openErr := Open(opts)
	for _, p := range probed {
		c := Controller{Name: p.name}
		r.locate(&c)
		if openErr != nil {
			c.Error = openErr.Error()
			r.Controllers = append(r.Controllers, c)
			continue
		}
		if err := m.Check(p.name); err != nil {
			c.Error = err.Error()
			r.Controllers = append(r.Controllers, c)
			continue
		}
		h := m.byCtl[p.name]
		c.Version, c.Mount, c.Group = versionOf(h), h.point, h.cur
		g, err := m.Create("probe-"+p.name, p.limits)
		if err != nil {
			c.Error = err.Error()
		} else {
			c.Usable = true
			if p.name == Memory {
				r.SwapAccounting = g.swapAccounting()
			}
			if err := g.Destroy(); err != nil {
				c.Usable, c.Error = false, "removing the probe group: "+err.Error()
			}
		}
		r.Controllers = append(r.Controllers, c)
	}
	if mem := r.Controller(Memory); !mem.Usable && mem.Version == "v1" {
		// Swap accounting is a property of the hierarchy, visible at its
		// root even when this user cannot create groups.
		_, err := os.Stat(filepath.Join(mem.Mount, "memory.memsw.limit_in_bytes"))
		r.SwapAccounting = err == nil
	}
	return r
}

func versionOf(h *hier) string {
	if h.v2 {
		return V2.String()
	}
	return V1.String()
}

// mounted fills the hierarchies from the cgroup mounts: each v1 hierarchy
// once, and the first cgroup2 mount with the controllers its root offers.
func (r *Report) mounted(mounts []mount) {
	seen := map[string]bool{}
	for _, mt := range mounts {
		if mt.v2 {
			if r.V2 == nil {
				r.V2 = &Unified{Mount: mt.point, Controllers: fields(mt.point, "cgroup.controllers")}
				if r.V2.Controllers == nil {
					r.V2.Controllers = []string{}
				}
			}
			continue
		}
		key := strings.Join(mt.controllers, ",")
		if len(mt.controllers) == 0 || seen[key] {
			continue
		}
		seen[key] = true
		r.V1 = append(r.V1, Hierarchy{Mount: mt.point, Controllers: mt.controllers})
	}
}

// locate says where controller c lives when the manager could not (Open
// failed, or the controller is not available to this user).
func (r *Report) locate(c *Controller) {
	for _, h := range r.V1 {
		for _, x := range h.Controllers {
			if x == c.Name {
				c.Version, c.Mount = V1.String(), h.Mount
				return
			}
		}
	}
	if r.V2 != nil {
		for _, x := range r.V2.Controllers {
			if x == c.Name {
				c.Version, c.Mount = V2.String(), r.V2.Mount
				return
			}
		}
	}
}

// swapAccounting reports whether the group's memory limit can include
// swap: memory.memsw.* (v1) or memory.swap.max (v2) exists.
func (g *Group) swapAccounting() bool {
	d, v2 := g.dir(Memory)
	f := "memory.memsw.limit_in_bytes"
	if v2 {
		f = "memory.swap.max"
	}
	_, err := os.Stat(filepath.Join(d, f))
	return err == nil
}
