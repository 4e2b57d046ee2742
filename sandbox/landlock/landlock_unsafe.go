//go:build linux

package landlock

// The three Landlock syscalls with their structures (<linux/landlock.h>).

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// rulesetAttr is struct landlock_ruleset_attr up to the scoped field (ABI 6);
// the size passed tells the kernel which fields exist.
type rulesetAttr struct {
	fs, net, scoped uint64
}

// pathBeneathAttr is the packed struct landlock_path_beneath_attr (12
// bytes: the kernel reads no padding).
type pathBeneathAttr struct {
	allowed uint64
	fd      int32
	_       [4]byte
}

// netPortAttr is struct landlock_net_port_attr.
type netPortAttr struct {
	allowed uint64
	port    uint64
}

const (
	rulePathBeneath = 1
	ruleNetPort     = 2
)

func createRuleset(attr *rulesetAttr, size uintptr, flags uintptr) (int, error) {
	r, _, e := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, uintptr(unsafe.Pointer(attr)), size, flags)
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}

// newRuleset creates a ruleset handling st's rights, passing only the
// fields the ABI knows (an older kernel rejects a larger non-zero struct).
func newRuleset(st Status) (int, error) {
	attr := rulesetAttr{fs: st.FS, net: st.Net, scoped: st.Scoped}
	size := unsafe.Sizeof(attr)
	switch {
	case st.ABI < abiNet:
		size = 8
	case st.ABI < abiScope:
		size = 16
	}
	return createRuleset(&attr, size, 0)
}

func addPathRule(ruleset, fd int, access uint64) error {
	attr := pathBeneathAttr{allowed: access, fd: int32(fd)}
	_, _, e := unix.Syscall6(unix.SYS_LANDLOCK_ADD_RULE, uintptr(ruleset), rulePathBeneath, uintptr(unsafe.Pointer(&attr)), 0, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

func addPort(ruleset int, port uint16, access uint64) error {
	attr := netPortAttr{allowed: access, port: uint64(port)}
	_, _, e := unix.Syscall6(unix.SYS_LANDLOCK_ADD_RULE, uintptr(ruleset), ruleNetPort, uintptr(unsafe.Pointer(&attr)), 0, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// restrictSelf enforces the ruleset on the calling thread (all threads
// with TSYNC).
func restrictSelf(ruleset int, flags uint32) error {
	_, _, e := unix.Syscall(unix.SYS_LANDLOCK_RESTRICT_SELF, uintptr(ruleset), uintptr(flags), 0)
	if e != 0 {
		return e
	}
	return nil
}
