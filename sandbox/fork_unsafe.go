//go:build linux

package sandbox

// The interpreter's process is forked with a raw clone and set up with raw
// system calls only, between fork and execve, the way package syscall's
// forkAndExecInChild does (and gVisor and go-sandbox after it): after the
// fork the child is a copy of one thread of a Go process whose runtime must
// not run — no allocation, no stack growth, no scheduler — so everything the
// child needs is prepared in memory beforehand and the child only issues
// RawSyscall. This is where restrictions that would break the Go init
// itself are applied: rlimits (RLIMIT_AS keeps the runtime from reserving
// memory, RLIMIT_NPROC from starting threads), dropping capabilities,
// no_new_privs, Landlock and seccomp — all right before execve, in the
// process that becomes the interpreter.

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/cordonsec/cordon/layers"
)

//go:linkname runtime_BeforeFork syscall.runtime_BeforeFork
func runtime_BeforeFork()

//go:linkname runtime_AfterFork syscall.runtime_AfterFork
func runtime_AfterFork()

//go:linkname runtime_AfterForkInChild syscall.runtime_AfterForkInChild
func runtime_AfterForkInChild()

// childStep numbers the child's steps; a failure reports the step and the
// errno through the error pipe.
type childStep uint32

const (
	stepStderr childStep = iota + 1
	stepSetsid
	stepPdeathsig
	stepChdir
	stepRlimit
	stepAmbient
	stepBounding
	stepCapset
	stepNoNewPrivs
	stepLandlock
	stepSeccomp
	stepSendListener
	stepExec
	stepJobFD
)

var stepNames = map[childStep]string{
	stepStderr: "stderr", stepSetsid: "setsid", stepPdeathsig: "death signal", stepChdir: "chdir work dir",
	stepRlimit: "rlimits", stepAmbient: "capabilities: ambient",
	stepBounding: "capabilities: bounding set", stepCapset: "capabilities: capset",
	stepNoNewPrivs: "no_new_privs", stepLandlock: "landlock: restrict_self",
	stepSeccomp: "seccomp: install filter", stepSendListener: "seccomp: pass listener",
	stepExec: "execve", stepJobFD: "warm: job socket",
}

// childLayer is the layer a failed step belongs to.
var childLayer = map[childStep]layers.Name{
	stepRlimit: layers.Rlimits, stepAmbient: layers.Caps, stepBounding: layers.Caps,
	stepCapset: layers.Caps, stepNoNewPrivs: layers.NoNewPrivs,
	stepLandlock: layers.Landlock, stepSeccomp: layers.Seccomp, stepSendListener: layers.Seccomp,
}

type capHeader struct {
	version uint32
	pid     int32
}

type capData struct {
	effective, permitted, inheritable uint32
}

// childPlan is everything the child needs, prepared before the fork.
type childPlan struct {
	path *byte
	argv []*byte // nil-terminated
	envv []*byte // nil-terminated
	dir  *byte

	rlimits []Rlimit
	lastCap int

	landlockFD    int // -1: none
	landlockFlags uint32

	seccompProg  *unix.SockFprog // nil: none
	seccompFlags uintptr
	report       bool
	ctlFD        int
	msg          unix.Msghdr
	iov          unix.Iovec
	oob          []byte
	fdSlot       *int32
	payload      [1]byte

	// stderrFD becomes the child's fd 2 (the init's own stderr is not
	// the script's).
	stderrFD int
	// jobFD, when not -1, is a warm interpreter's job socket, kept open
	// across the execve (its close-on-exec flag cleared).
	jobFD int

	errFD  int
	errBuf [2]uint32

	capHdr  capHeader
	capData [2]capData
}

func newChildPlan(argv, env []string, dir string) (*childPlan, error) {
	p := &childPlan{landlockFD: -1, ctlFD: -1, stderrFD: 2, jobFD: -1}
	var err error
	if p.path, err = unix.BytePtrFromString(argv[0]); err != nil {
		return nil, err
	}
	if p.argv, err = syscall.SlicePtrFromStrings(argv); err != nil {
		return nil, err
	}
	if p.envv, err = syscall.SlicePtrFromStrings(env); err != nil {
		return nil, err
	}
	if p.dir, err = unix.BytePtrFromString(dir); err != nil {
		return nil, err
	}
	p.capHdr.version = unix.LINUX_CAPABILITY_VERSION_3
	return p, nil
}

// withListener prepares the message that passes the seccomp listener to
// the supervisor over ctl (SCM_RIGHTS); the child writes the fd number
// into the prepared control message once the kernel returned it.
func (p *childPlan) withListener(ctl int) {
	p.ctlFD = ctl
	p.payload[0] = 'L'
	p.oob = unix.UnixRights(0)
	// The fd is the data of the only control message.
	p.fdSlot = (*int32)(unsafe.Pointer(&p.oob[unix.CmsgLen(0)]))
	p.iov.Base = &p.payload[0]
	p.iov.SetLen(1)
	p.msg.Iov = &p.iov
	p.msg.Iovlen = 1
	p.msg.Control = &p.oob[0]
	p.msg.SetControllen(len(p.oob))
}

// forkChild forks and, in the child, applies the plan and execs. It
// returns the child's pid. errW is the write end of a close-on-exec pipe
// on which a failing child reports its step.
func forkChild(p *childPlan) (int, error) {
	syscall.ForkLock.Lock()
	pid, errno := forkChild1(p)
	syscall.ForkLock.Unlock()
	if errno != 0 {
		return 0, errno
	}
	return pid, nil
}

// forkChild1 must not be race-instrumented nor call anything that may grow
// the stack after the fork: RawSyscall and RawSyscall6 are assembly.
//
//go:norace
//go:noinline
func forkChild1(p *childPlan) (pid int, errno syscall.Errno) {
	runtime_BeforeFork()
	r1, _, e := syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
	if e != 0 || r1 != 0 {
		runtime_AfterFork()
		return int(r1), e
	}
	// In the child.
	runtime_AfterForkInChild()
	var step childStep

	if p.stderrFD != 2 {
		if _, _, e = syscall.RawSyscall(syscall.SYS_DUP3, uintptr(p.stderrFD), 2, 0); e != 0 {
			step = stepStderr
			goto fail
		}
	}
	if p.jobFD >= 0 {
		if _, _, e = syscall.RawSyscall(syscall.SYS_FCNTL, uintptr(p.jobFD), syscall.F_SETFD, 0); e != 0 {
			step = stepJobFD
			goto fail
		}
	}
	if _, _, e = syscall.RawSyscall(syscall.SYS_SETSID, 0, 0, 0); e != 0 {
		step = stepSetsid
		goto fail
	}
	if _, _, e = syscall.RawSyscall(syscall.SYS_PRCTL, unix.PR_SET_PDEATHSIG, uintptr(syscall.SIGKILL), 0); e != 0 {
		step = stepPdeathsig
		goto fail
	}
	if _, _, e = syscall.RawSyscall(syscall.SYS_CHDIR, uintptr(unsafe.Pointer(p.dir)), 0, 0); e != 0 {
		step = stepChdir
		goto fail
	}
	for i := range p.rlimits {
		rl := &p.rlimits[i]
		if _, _, e = syscall.RawSyscall6(unix.SYS_PRLIMIT64, 0, uintptr(rl.Resource), uintptr(unsafe.Pointer(&rl.Cur)), 0, 0, 0); e != 0 {
			step = stepRlimit
			goto fail
		}
	}
	if _, _, e = syscall.RawSyscall6(syscall.SYS_PRCTL, unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0, 0); e != 0 {
		step = stepAmbient
		goto fail
	}
	for c := 0; c <= p.lastCap; c++ {
		if _, _, e = syscall.RawSyscall(syscall.SYS_PRCTL, unix.PR_CAPBSET_DROP, uintptr(c), 0); e != 0 {
			step = stepBounding
			goto fail
		}
	}
	if _, _, e = syscall.RawSyscall(syscall.SYS_CAPSET, uintptr(unsafe.Pointer(&p.capHdr)), uintptr(unsafe.Pointer(&p.capData[0])), 0); e != 0 {
		step = stepCapset
		goto fail
	}
	if _, _, e = syscall.RawSyscall6(syscall.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0); e != 0 {
		step = stepNoNewPrivs
		goto fail
	}
	if p.landlockFD >= 0 {
		if _, _, e = syscall.RawSyscall(unix.SYS_LANDLOCK_RESTRICT_SELF, uintptr(p.landlockFD), uintptr(p.landlockFlags), 0); e != 0 {
			step = stepLandlock
			goto fail
		}
	}
	if p.seccompProg != nil {
		r1, _, e = syscall.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, p.seccompFlags, uintptr(unsafe.Pointer(p.seccompProg)))
		if e != 0 {
			step = stepSeccomp
			goto fail
		}
		if p.report {
			*p.fdSlot = int32(r1)
			if _, _, e = syscall.RawSyscall(unix.SYS_SENDMSG, uintptr(p.ctlFD), uintptr(unsafe.Pointer(&p.msg)), 0); e != 0 {
				step = stepSendListener
				goto fail
			}
		}
	}
	_, _, e = syscall.RawSyscall(syscall.SYS_EXECVE, uintptr(unsafe.Pointer(p.path)),
		uintptr(unsafe.Pointer(&p.argv[0])), uintptr(unsafe.Pointer(&p.envv[0])))
	step = stepExec
fail:
	p.errBuf[0] = uint32(step)
	p.errBuf[1] = uint32(e)
	syscall.RawSyscall(syscall.SYS_WRITE, uintptr(p.errFD), uintptr(unsafe.Pointer(&p.errBuf[0])), 8)
	for {
		syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 127, 0, 0)
	}
}
