package audit

import (
	"os"

	"golang.org/x/sys/unix"
)

// flock takes (exclusive) or releases the advisory lock on f. The kernel
// drops it when the process dies, so a crashed writer never wedges the log.
func flock(f *os.File, lock bool) error {
	how := unix.LOCK_UN
	if lock {
		how = unix.LOCK_EX
	}
	for {
		err := unix.Flock(int(f.Fd()), how)
		if err != unix.EINTR {
			return err
		}
	}
}
