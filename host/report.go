// Package host finds out what this host can enforce and what a policy
// would run with on it.
//
// Start with [Probe], which gathers a [Report] (kernel release, user
// namespaces and each namespace type tried for real, seccomp and its
// actions, the Landlock ABI, cgroup v1 and v2 and which controllers this
// user can use, pidfd, no_new_privs, the interpreter). Then [Plan] says,
// for each isolation layer of a policy, whether it would run active,
// degraded, unavailable or off; [PlanResult.Err] names every required
// layer that is unavailable, so a sandbox can fail closed.
//
// `cordon doctor` prints both. The Report is JSON with stable field names.
//
// This package is on the sandbox's hot path: it imports no YAML, HTTP,
// tree-sitter or metrics code.
package host

// Report is what Probe found. Every section says what it saw even when a
// feature is missing; Error fields explain why a check could not decide.
type Report struct {
	Kernel      Kernel      `json:"kernel"`
	User        User        `json:"user"`
	UserNS      UserNS      `json:"user_namespaces"`
	Seccomp     Seccomp     `json:"seccomp"`
	Landlock    Landlock    `json:"landlock"`
	Cgroups     Cgroups     `json:"cgroups"`
	Pidfd       Feature     `json:"pidfd"`
	NoNewPrivs  Feature     `json:"no_new_privs"`
	Interpreter Interpreter `json:"interpreter"`
}

// Kernel identifies the running kernel.
type Kernel struct {
	Release string `json:"release"` // uname -r
	Machine string `json:"machine"` // uname -m
}

// User is who ran the probe; what it may do depends on it.
type User struct {
	UID  int  `json:"uid"`
	GID  int  `json:"gid"`
	Root bool `json:"root"`
}

// Feature is a yes/no capability with the reason when no.
type Feature struct {
	Available bool   `json:"available"`
	Error     string `json:"error,omitempty"`
}

// UserNS reports the user namespace sysctls and a real attempt to create
// each namespace type (always together with a user namespace, as the
// sandbox does).
type UserNS struct {
	// MaxUserNamespaces is user.max_user_namespaces; -1 when absent.
	MaxUserNamespaces int `json:"max_user_namespaces"`
	// UnprivilegedClone is kernel.unprivileged_userns_clone (Debian and
	// Ubuntu kernels); nil when the kernel has no such sysctl.
	UnprivilegedClone *int `json:"unprivileged_userns_clone,omitempty"`
	// AppArmorRestrict is kernel.apparmor_restrict_unprivileged_userns
	// (Ubuntu 23.10+); nil when absent.
	AppArmorRestrict *int `json:"apparmor_restrict_unprivileged_userns,omitempty"`
	// Namespaces has one entry per type, in a fixed order: user, pid,
	// mount, net, ipc, uts, cgroup.
	Namespaces []Namespace `json:"namespaces"`
}

// Namespace is the outcome of starting /bin/true in a new namespace of one
// type (plus a user namespace).
type Namespace struct {
	Name      string `json:"name"` // "user", "pid", "mount", "net", "ipc", "uts", "cgroup"
	Available bool   `json:"available"`
	Error     string `json:"error,omitempty"`
}

// Seccomp reports seccomp filter support and the actions the kernel offers.
type Seccomp struct {
	Available bool `json:"available"` // SECCOMP_MODE_FILTER works
	// Actions is /proc/sys/kernel/seccomp/actions_avail, in its order.
	Actions     []string `json:"actions"`
	UserNotif   bool     `json:"user_notif"`
	Log         bool     `json:"log"`
	KillProcess bool     `json:"kill_process"`
	Error       string   `json:"error,omitempty"`
}

// Landlock reports the Landlock ABI version (0 when unavailable).
type Landlock struct {
	ABI   int    `json:"abi"`
	Error string `json:"error,omitempty"`
}

// Cgroups reports the cgroup hierarchies mounted here and which of the
// controllers the sandbox uses this user can really use.
type Cgroups struct {
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
// create a group for it under its own cgroup and write a limit there.
type Controller struct {
	Name string `json:"name"` // "memory", "pids", "cpu"
	// Version is "v1", "v2" or "" when the controller is nowhere.
	Version string `json:"version"`
	// Mount is the hierarchy's mount point; Group the process's own group
	// there (the parent a probe group was created under).
	Mount  string `json:"mount,omitempty"`
	Group  string `json:"group,omitempty"`
	Usable bool   `json:"usable"`
	Error  string `json:"error,omitempty"`
}

// Interpreter is the runtime's interpreter as interp resolves it.
type Interpreter struct {
	Name    string `json:"name"`
	Path    string `json:"path,omitempty"`
	Prefix  string `json:"prefix,omitempty"`
	Version string `json:"version,omitempty"`
	Error   string `json:"error,omitempty"`
}

// Namespace returns the entry for name, or a zero entry.
func (u UserNS) Namespace(name string) Namespace {
	for _, n := range u.Namespaces {
		if n.Name == name {
			return n
		}
	}
	return Namespace{Name: name, Error: "not probed"}
}

// Controller returns the entry for name, or a zero entry.
func (c Cgroups) Controller(name string) Controller {
	for _, x := range c.Controllers {
		if x.Name == name {
			return x
		}
	}
	return Controller{Name: name, Error: "not probed"}
}
