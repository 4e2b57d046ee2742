//go:build linux

package cordon

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// landlockRuleset creates (and closes) a Landlock ruleset handling
// LANDLOCK_ACCESS_FS_EXECUTE. Nothing is restricted until a ruleset is
// enforced, so this is a harmless witness that Landlock works.
func landlockRuleset() error {
	attr := struct{ handledFS uint64 }{1}
	fd, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr), 0)
	if errno != 0 {
		return errno
	}
	return unix.Close(int(fd))
}
