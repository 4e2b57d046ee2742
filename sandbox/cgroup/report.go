package cgroup

// Report is what [Probe] found: the cgroup hierarchies mounted here and,
// for each controller the sandbox uses, whether this user can create a
// group with a limit for it. JSON with stable field names (`cordon doctor
// --json`).
type Report struct {
	// V1 lists the mounted v1 hierarchies.
	V1 []Hierarchy `json:"v1"`
	// V2 is the unified hierarchy, if mounted.
	V2 *Unified `json:"v2,omitempty"`
	// Controllers has one entry each for memory, pids and cpu, in that order.
	Controllers []Controller `json:"controllers"`
	// SwapAccounting: memory.memsw.* (v1) or memory.swap.max (v2) exists
	// where the memory controller lives, so a limit can include swap.
	SwapAccounting bool `json:"swap_accounting"`
	// SwapActive: the host has swap in use (/proc/swaps lists a device).
	SwapActive bool   `json:"swap_active"`
	Error      string `json:"error,omitempty"`
}

// Hierarchy is one mounted cgroup v1 hierarchy.
type Hierarchy struct {
	Mount       string   `json:"mount"`
	Controllers []string `json:"controllers"`
}

// Unified is the mounted cgroup v2 hierarchy.
type Unified struct {
	Mount string `json:"mount"`
	// Controllers is cgroup.controllers at the mount's root: the ones v2
	// has (a controller bound to a v1 hierarchy is absent here).
	Controllers []string `json:"controllers"`
}

// Controller says where one controller lives and whether this user can
// create a group with a limit for it under the project parent.
type Controller struct {
	Name string `json:"name"` // "memory", "pids", "cpu"
	// Version is "v1", "v2" or "" when the controller is nowhere.
	Version string `json:"version"`
	// Mount is the hierarchy's mount point; Group the supervisor's own
	// group there (the project parent is created under it).
	Mount  string `json:"mount,omitempty"`
	Group  string `json:"group,omitempty"`
	Usable bool   `json:"usable"`
	Error  string `json:"error,omitempty"`
}

// Controller returns the entry for name, or a zero entry.
func (r Report) Controller(name string) Controller {
	for _, x := range r.Controllers {
		if x.Name == name {
			return x
		}
	}
	return Controller{Name: name, Error: "not probed"}
}
