//go:build linux

package sandbox

// Host ids of a sandbox started by root. The kernel charges per-user
// resources (inotify instances and watches, RLIMIT_NPROC, message queues,
// pending signals — the "ucounts") of everything in a user namespace to the
// uid that created the namespace, in the parent namespace. A namespace root
// creates is charged to host root: one sandbox taking all 128 inotify
// instances took them from every root process of the host. So root's
// sandboxes are created by a uid of their own, leased per run from a range,
// and map their uid to it: concurrent runs share no per-user limit with
// each other nor with the host. They share one gid (DefaultHostID), so a
// read_write folder is granted to all of them through its group.

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

// The uids root's sandboxes are leased from: [HostUIDBase,
// HostUIDBase+HostUIDCount). No account may use them; reserve the range
// (e.g. in /etc/subuid for no one, and out of useradd's SYS_UID/UID
// ranges in /etc/login.defs). Their gid is DefaultHostID.
const (
	HostUIDBase  = DefaultHostID + 1
	HostUIDCount = 1 << 16
)

// hostUIDLocks holds one lock file per leased uid: a supervisor holds an
// flock on its run's file while the sandbox lives (the kernel drops it
// when the supervisor dies, so a crash leaks nothing). Uids are leased
// lowest first, so the files number at most the peak of concurrent runs.
const hostUIDLocks = "/run/cordon/uids"

// leaseHostUID leases the lowest free uid of the range; closing the
// returned file ends the lease.
func leaseHostUID() (int, *os.File, error) {
	if err := os.MkdirAll(hostUIDLocks, 0o700); err != nil {
		return 0, nil, fmt.Errorf("host uid leases: %w", err)
	}
	for i := 0; i < HostUIDCount; i++ {
		uid := HostUIDBase + i
		f, err := os.OpenFile(filepath.Join(hostUIDLocks, strconv.Itoa(uid)), os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return 0, nil, fmt.Errorf("host uid leases: %w", err)
		}
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return uid, f, nil
		}
		f.Close()
		if !errors.Is(err, unix.EWOULDBLOCK) {
			return 0, nil, fmt.Errorf("host uid leases: lock %d: %w", uid, err)
		}
	}
	return 0, nil, fmt.Errorf("host uid leases: all %d uids from %d are in use", HostUIDCount, HostUIDBase)
}

// startAs starts cmd (whose clone creates the user namespace) from an OS
// thread of its own whose effective ids are uid and gid and which has no
// supplementary groups, so that the namespace is owned — and its per-user
// resources charged — by uid, not root. Credentials are per thread in
// Linux: the thread is locked and never handed back to the runtime; it
// waits until done (the init's parent-death signal is tied to the thread
// that created it) and then ends, its credentials with it.
func startAs(cmd *exec.Cmd, uid, gid int, done <-chan struct{}) error {
	// A non-dumpable process's children have /proc files owned by root,
	// so the thread could not write the child's id maps. Changing the
	// effective uid makes the process non-dumpable (and so does a child
	// of os/exec changing its uid while it shares our memory), so the
	// flag is set for the spawn and put back after. It is the process's:
	// starts are serialised.
	startMu.Lock()
	defer startMu.Unlock()
	was, _ := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	defer unix.Prctl(unix.PR_SET_DUMPABLE, uintptr(was), 0, 0, 0)
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with this goroutine
		err := asIDs(uid, gid)
		if err == nil {
			err = cmd.Start()
		}
		errc <- err
		if err == nil {
			<-done
		}
	}()
	return <-errc
}

// startMu serialises startAs.
var startMu sync.Mutex

// asIDs gives the calling (locked) thread no supplementary groups, the
// effective gid and uid, and makes the process dumpable.
func asIDs(uid, gid int) error {
	if _, _, e := unix.RawSyscall(unix.SYS_SETGROUPS, 0, 0, 0); e != 0 {
		return fmt.Errorf("setgroups: %w", e)
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESGID, ^uintptr(0), uintptr(gid), ^uintptr(0)); e != 0 {
		return fmt.Errorf("setresgid: %w", e)
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, ^uintptr(0), uintptr(uid), ^uintptr(0)); e != 0 {
		return fmt.Errorf("setresuid: %w", e)
	}
	if _, _, e := unix.RawSyscall(unix.SYS_PRCTL, unix.PR_SET_DUMPABLE, 1, 0); e != 0 {
		return fmt.Errorf("dumpable: %w", e)
	}
	return nil
}
