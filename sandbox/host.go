package sandbox

// What this host can enforce for the calling user (ProbeHost): the facts
// the root package plans a policy's layers on, for `cordon doctor` and
// for every run alike.

import "github.com/cordonsec/cordon/sandbox/cgroup"

// Host is what ProbeHost found. Every section says what it saw even when a
// feature is missing; Error fields explain why a check could not decide.
// JSON with stable field names (`cordon doctor --json`).
type Host struct {
	Kernel     Kernel        `json:"kernel"`
	User       User          `json:"user"`
	UserNS     UserNS        `json:"user_namespaces"`
	Seccomp    Seccomp       `json:"seccomp"`
	Landlock   Landlock      `json:"landlock"`
	Cgroups    cgroup.Report `json:"cgroups"`
	Pidfd      Feature       `json:"pidfd"`
	NoNewPrivs Feature       `json:"no_new_privs"`
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

// Namespace returns the entry for name, or a zero entry.
func (u UserNS) Namespace(name string) Namespace {
	for _, n := range u.Namespaces {
		if n.Name == name {
			return n
		}
	}
	return Namespace{Name: name, Error: "not probed"}
}
