//go:build linux

package sandbox

// Landlock repeats the sandbox's file-system view inside the kernel's LSM:
// the interpreter may only read and execute the read-only paths (the
// masked ones below them excepted), read /proc,
// use the five devices, and write the work dir, /tmp, /dev/shm and the
// policy's read_write paths, and read the sandbox's own /etc files. TCP is
// left to the network namespace when the sandbox has its own (modes none
// and allowlist: only lo, where the egress proxy listens, so a script may
// run and reach its own local servers); with the host's network (mode
// host) every TCP bind is refused unless the policy allows binding (ABI
// 4). Signals and abstract unix sockets are scoped to the sandbox (ABI 6).
//
// The ruleset (package landlock) is built by the init after pivot_root —
// rules hold inodes of the new root — and enforced with
// landlock_restrict_self by the forked child right before execve
// (fork_unsafe.go), so the init itself stays unrestricted.

import (
	"github.com/cordonsec/cordon/sandbox/landlock"
)

func landlockRuleset(spec *Spec) (*landlock.Ruleset, error) {
	p := landlock.Policy{
		ReadOnly:  spec.ReadOnly,
		ReadWrite: append([]string{WorkDir, "/tmp", "/dev/shm"}, spec.ReadWrite...),
		Deny:      spec.Masks,
		Rules: []landlock.Rule{
			{Path: "/", Access: landlock.FSReadDir}, // listing / shows only mountpoints
			{Path: "/proc", Access: landlock.FSReadFile | landlock.FSReadDir},
			{Path: "/dev", Access: landlock.FSReadDir},
			// The sandbox's own devpts instance (rootfs_linux.go).
			{Path: "/dev/pts", Access: landlock.FSReadDir | landlock.FSReadFile | landlock.FSWriteFile | landlock.FSIoctlDev},
		},
		Scope:  true,
		MinABI: 1,
	}
	if spec.HostNetwork && !spec.BindTCP {
		p.Net = &landlock.Net{AnyConnect: true}
	}
	for name := range etcFiles {
		p.Rules = append(p.Rules, landlock.Rule{Path: "/" + name, Access: landlock.FSReadFile})
	}
	for _, d := range devices {
		p.Rules = append(p.Rules, landlock.Rule{Path: "/dev/" + d,
			Access: landlock.FSReadFile | landlock.FSWriteFile | landlock.FSTruncate})
	}
	rs, err := landlock.Prepare(p)
	if err != nil {
		return nil, fail("landlock: ruleset", err)
	}
	return rs, nil
}

// LandlockABI is the kernel's Landlock ABI, 0 without Landlock.
func LandlockABI() int { return landlock.ABI() }
