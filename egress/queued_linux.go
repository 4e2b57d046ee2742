package egress

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// canQueue: queued works here.
const canQueue = true

// queued waits, without consuming anything, until the socket has bytes to
// read and returns how many (SIOCINQ); 0 means the peer closed its side.
// It honours the connection's read deadline and wakes when the connection
// is closed.
func queued(rc syscall.RawConn) (int, error) {
	var n int
	var serr error
	err := rc.Read(func(fd uintptr) bool {
		v, err := unix.IoctlGetInt(int(fd), unix.SIOCINQ)
		if err != nil {
			serr = err
			return true
		}
		if v > 0 {
			n = v
			return true
		}
		// Nothing queued: the end of the stream, or not yet.
		var b [1]byte
		m, _, err := unix.Recvfrom(int(fd), b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
		switch {
		case err == unix.EAGAIN || err == unix.EINTR:
			return false // wait for readability
		case err != nil:
			serr = err
		default:
			n = m // 0: end of stream; 1: data arrived meanwhile
		}
		return true
	})
	if err != nil {
		return 0, err
	}
	return n, serr
}
