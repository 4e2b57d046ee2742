//go:build linux

package seccomp

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/sys/unix"
)

// Kind classifies a refusal.
type Kind string

// Refusal kinds.
const (
	KindDenied      Kind = "denied"          // a syscall on the denied list
	KindCloneNS     Kind = "clone-namespace" // clone with CLONE_NEW* flags
	KindIoctl       Kind = "ioctl"           // TIOCSTI / TIOCLINUX
	KindPersonality Kind = "personality"     // unsafe personality flags
	KindSocket      Kind = "socket"          // AF_VSOCK / AF_ALG sockets
	KindForeignArch Kind = "foreign-arch"    // another ABI (i386 on x86_64)
	KindX32         Kind = "x32"             // the x32 ABI
	KindSignal      Kind = "signal"          // sending SIGXCPU or SIGXFSZ, which only the kernel may
	KindOtherPid    Kind = "other-process"   // limits or scheduling of another process
	KindNotAllowed  Kind = "not-allowed"     // not on the allow-list (unknown or new)
)

// Refusal is one refused syscall, as reported by Serve.
type Refusal struct {
	Pid    int       // in the listener's pid namespace (the supervisor's)
	Arch   uint32    // AUDIT_ARCH_* of the call
	Nr     int       // syscall number
	Name   string    // syscall name, or "syscall_<nr>"
	Args   [6]uint64 // register arguments (never dereferenced)
	Kind   Kind
	Reason string
	// Dangerous is true for an attempt to escape or weaken the sandbox:
	// every kind but KindNotAllowed, KindSignal and KindOtherPid (probes
	// and mistakes an honest script makes too).
	Dangerous bool
	// Class groups the call for the policy's decision of what the refusal
	// does to the run (classes.go).
	Class string
	Errno unix.Errno // what the caller got (EPERM, or ENOSYS)
}

// Serve answers the notifications of listener until every process using
// the filter is gone (returns nil) or ctx ends (returns ctx.Err()). Each
// refused call gets its errno at once; report is then called with it from
// Serve's goroutine. The caller closes listener after Serve returns.
//
// It is race-free by construction: Serve never lets a call continue
// (SECCOMP_USER_NOTIF_FLAG_CONTINUE) and never reads the caller's memory, so
// there is nothing a process could swap between check and use; it only
// answers with an error. A process that dies (or is interrupted by a signal)
// before its answer makes the answer fail with ENOENT, which is ignored; the
// attempt is still reported.
func Serve(ctx context.Context, listener int, report func(Refusal)) error {
	rbuf, sbuf, err := buffers()
	if err != nil {
		return err
	}
	info, err := arch.GetInfo("")
	if err != nil {
		return fmt.Errorf("seccomp: %w", err)
	}
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return fmt.Errorf("seccomp: eventfd: %w", err)
	}
	defer unix.Close(wake)
	stop := context.AfterFunc(ctx, func() {
		_, _ = unix.Write(wake, []byte{1, 0, 0, 0, 0, 0, 0, 0})
	})
	defer stop()
	fds := []unix.PollFd{{Fd: int32(listener), Events: unix.POLLIN}, {Fd: int32(wake), Events: unix.POLLIN}}
	for {
		fds[0].Revents, fds[1].Revents = 0, 0
		if _, err := unix.Poll(fds, -1); err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return fmt.Errorf("seccomp: poll: %w", err)
		}
		if fds[1].Revents != 0 {
			return ctx.Err()
		}
		ev := fds[0].Revents
		if ev&unix.POLLNVAL != 0 {
			return fmt.Errorf("seccomp: listener %d: %w", listener, unix.EBADF)
		}
		if ev&unix.POLLIN == 0 {
			if ev&(unix.POLLHUP|unix.POLLERR) != 0 {
				return nil // no process uses the filter any more
			}
			continue
		}
		n, err := recv(listener, rbuf)
		switch {
		case errors.Is(err, unix.EINTR), errors.Is(err, unix.ENOENT):
			// ENOENT: the caller died before we received the notification.
			continue
		case err != nil:
			return fmt.Errorf("seccomp: receiving a notification: %w", err)
		}
		r := classify(info, n.Data)
		r.Class = classOf(r)
		r.Pid = int(n.Pid)
		if err := send(listener, sbuf, n.ID, r.Errno); err != nil && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("seccomp: answering pid %d %s: %w", r.Pid, r.Name, err)
		}
		if report != nil {
			report(r)
		}
	}
}

// argResource is the argument holding the resource of prlimit64 (after
// the pid) and setrlimit.
func argResource(name string) int {
	if name == "prlimit64" {
		return 1
	}
	return 0
}

// classify mirrors the filter's decisions for a notified call.
func classify(info *arch.Info, d seccompData) Refusal {
	r := Refusal{Arch: d.Arch, Nr: int(d.Nr), Args: d.Args, Dangerous: true, Errno: unix.EPERM}
	name, ok := info.SyscallNumbers[int(d.Nr)]
	if !ok {
		name = "syscall_" + strconv.Itoa(int(d.Nr))
	}
	r.Name = name
	switch {
	case d.Arch != uint32(info.ID):
		r.Kind, r.Reason = KindForeignArch, fmt.Sprintf("syscall of another ABI (audit arch %#x)", d.Arch)
		r.Name = "syscall_" + strconv.Itoa(int(d.Nr))
		if i386, err := arch.GetInfo("386"); err == nil && d.Arch == uint32(i386.ID) {
			if n, ok := i386.SyscallNumbers[int(d.Nr)]; ok {
				r.Name = "i386:" + n
			}
		}
	case info.ID == arch.X86_64.ID && uint32(d.Nr)&x32Bit != 0:
		r.Kind, r.Reason = KindX32, "syscall of the x32 ABI"
		r.Name = "x32:" + strconv.Itoa(int(uint32(d.Nr)&^x32Bit))
	case name == "clone" && uint32(d.Args[0])&cloneNSFlags != 0:
		r.Kind, r.Reason = KindCloneNS, fmt.Sprintf("new namespaces (clone flags %#x)", d.Args[0])
	case (name == "prlimit64" && d.Args[0] == 0 || name == "setrlimit") && uint32(d.Args[argResource(name)]) == rlimitFsize:
		r.Kind, r.Reason, r.Dangerous = KindSignal, "RLIMIT_FSIZE is the policy's limits.file_size: a lower limit set by the script would forge file-size-limit", false
	case slices.Contains(signalCalls, name):
		r.Kind, r.Reason, r.Dangerous = KindSignal, "SIGXCPU and SIGXFSZ may only come from the kernel's CPU and file-size limits (the evidence of cpu-limit and file-size-limit)", false
	case slices.Contains(otherPidCalls, name):
		r.Kind, r.Reason, r.Dangerous = KindOtherPid, "acts on another process (the sandbox's init shares the script's uid); only the caller's own (pid 0) is allowed", false
	case name == "ioctl":
		r.Kind = KindIoctl
		switch uint32(d.Args[1]) {
		case tiocsti:
			r.Reason = "TIOCSTI: inject input into a terminal"
		case tioclinux:
			r.Reason = "TIOCLINUX: console selection and injection"
		default:
			r.Reason = fmt.Sprintf("ioctl %#x", d.Args[1])
		}
	case name == "socket":
		r.Kind = KindSocket
		switch uint32(d.Args[0]) {
		case afVsock:
			r.Reason = "AF_VSOCK: reaches the hypervisor host, outside the network namespace"
		case afALG:
			r.Reason = "AF_ALG: kernel crypto API attack surface"
		default:
			r.Reason = fmt.Sprintf("socket family %d", d.Args[0])
		}
	case name == "personality":
		r.Kind, r.Reason = KindPersonality, fmt.Sprintf("unsafe personality %#x", d.Args[0])
	case name == "clone3":
		r.Kind, r.Reason, r.Dangerous, r.Errno = KindNotAllowed, "clone3 flags cannot be checked", false, unix.ENOSYS
	default:
		r.Kind, r.Reason, r.Dangerous, r.Errno = KindNotAllowed, "not on the allow-list", false, unix.ENOSYS
		if g, ok := optionalGroup(name); ok {
			r.Reason = fmt.Sprintf("off unless the policy allows it (isolation.allow_syscalls: [%s]): %s", g, optional[g].reason)
		}
		for _, dn := range denied {
			if dn.name == name {
				r.Kind, r.Reason, r.Dangerous, r.Errno = KindDenied, dn.reason, true, unix.EPERM
				break
			}
		}
	}
	return r
}

// SendListener passes the listener fd over a unix socket (SCM_RIGHTS), for
// a sandboxed process handing its listener to the supervisor before
// execve. The supervisor may instead take it with pidfd_getfd(2).
func SendListener(sock, listener int) error {
	if err := unix.Sendmsg(sock, []byte{'L'}, unix.UnixRights(listener), nil, 0); err != nil {
		return fmt.Errorf("seccomp: sending the listener: %w", err)
	}
	return nil
}

// RecvListener receives a listener fd sent with SendListener; it is
// close-on-exec.
func RecvListener(sock int) (int, error) {
	buf := make([]byte, 1)
	oob := make([]byte, unix.CmsgSpace(4))
	_, oobn, _, _, err := unix.Recvmsg(sock, buf, oob, unix.MSG_CMSG_CLOEXEC)
	if err != nil {
		return -1, fmt.Errorf("seccomp: receiving the listener: %w", err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return -1, fmt.Errorf("seccomp: receiving the listener: no control message (%v)", err)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		for _, fd := range fds {
			unix.Close(fd)
		}
		return -1, fmt.Errorf("seccomp: receiving the listener: want one fd (%v)", err)
	}
	return fds[0], nil
}
