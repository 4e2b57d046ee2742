// Package layers names Cordon's isolation layers: one list shared by the
// policy (isolation.allow_degraded), the sandbox (the layer a failed setup
// step belongs to) and the result (the state of each layer in a run). It
// imports nothing, so the sandbox and its stage-2 init can use it.
//
// policy.Layer is this type (Name), and policy.LayerSeccomp and its siblings are
// these constants; docs/layers.md describes each layer.
package layers

// Name names an isolation layer, as reported in results, audit records
// and `cordon doctor`. Its text form is stable.
type Name string

// The isolation layers, in report order.
const (
	UserNS     Name = "userns"
	PIDNS      Name = "pidns"
	MountNS    Name = "mountns"
	NetNS      Name = "netns"
	IPCNS      Name = "ipcns"
	UTSNS      Name = "utsns"
	CgroupNS   Name = "cgroupns"
	Rootfs     Name = "rootfs"
	NoNewPrivs Name = "no_new_privs"
	Caps       Name = "capabilities"
	Seccomp    Name = "seccomp"
	Landlock   Name = "landlock"
	Cgroup     Name = "cgroup"
	Rlimits    Name = "rlimits"
	Network    Name = "network"
	Analysis   Name = "analysis"
	Audit      Name = "audit"
)

// All lists every layer in report order.
var All = []Name{
	UserNS, PIDNS, MountNS, NetNS, IPCNS, UTSNS,
	CgroupNS, Rootfs, NoNewPrivs, Caps, Seccomp,
	Landlock, Cgroup, Rlimits, Network, Analysis,
	Audit,
}

func (n Name) String() string { return string(n) }

// Known reports whether n is one of the layers.
func Known(n Name) bool {
	for _, l := range All {
		if l == n {
			return true
		}
	}
	return false
}
