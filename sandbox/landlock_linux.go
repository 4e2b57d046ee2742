//go:build linux

package sandbox

// Landlock repeats the sandbox's file-system view inside the kernel's LSM:
// the interpreter may only read and execute the read-only paths (the
// masked ones below them excepted), read /proc,
// use the five devices, and write the work dir, /tmp, /dev/shm and the
// policy's read_write paths; every TCP bind is refused, and every TCP
// connect but to the egress proxy's port when there is one (ABI 4; the
// network namespace already has only lo); signals and abstract unix
// sockets are scoped to the sandbox (ABI 6).
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
		},
		Net:    &landlock.Net{},
		Scope:  true,
		MinABI: 1,
	}
	if spec.HostNetwork {
		p.Net = nil
	} else if spec.ProxyPort > 0 {
		p.Net.ConnectTCP = []uint16{uint16(spec.ProxyPort)}
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
