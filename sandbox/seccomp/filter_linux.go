//go:build linux

package seccomp

import (
	"encoding/binary"
	"fmt"
	"slices"

	libseccomp "github.com/elastic/go-seccomp-bpf"
	"github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// Options shape the filter.
type Options struct {
	// Report makes refused calls notify a listener (SECCOMP_RET_USER_NOTIF,
	// installed with SECCOMP_FILTER_FLAG_NEW_LISTENER) that Serve answers
	// and reports. Without it refused calls get their errno silently.
	Report bool
	// Allow turns on optional syscall groups (OptionalGroups: "aio",
	// "memfd", "sysvshm"), off by default.
	Allow []string
}

// Filter is a prepared seccomp program. Keep the *Filter reachable until
// the program is installed: Program points into it.
type Filter struct {
	// Program is the argument of seccomp(SECCOMP_SET_MODE_FILTER, Flags,
	// &Program) for a caller that installs it with a raw syscall (a child
	// between fork and execve).
	Program unix.SockFprog
	// Flags are the SECCOMP_FILTER_FLAG_* bits to install it with:
	// TSYNC|TSYNC_ESRCH (every thread of a Go process), plus NEW_LISTENER
	// when Options.Report (the call then returns the listener fd).
	Flags uintptr

	insns  []unix.SockFilter
	report bool
	arch   *arch.Info
}

// Actions of the filter.
const (
	retAllow  = unix.SECCOMP_RET_ALLOW
	retNotify = unix.SECCOMP_RET_USER_NOTIF
	retEPERM  = unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)
	retENOSYS = unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)
	// retSkip returns 0 without running the call (an errno of 0), never
	// reported: how rt_sigaction on SIGXFSZ is made a no-op.
	retSkip = unix.SECCOMP_RET_ERRNO
)

// x32Bit marks x32 ABI syscall numbers on x86_64 (__X32_SYSCALL_BIT).
const x32Bit = 0x40000000

// seccomp_data offsets.
const (
	offNr   = 0
	offArch = 4
	offArgs = 16
)

// Build assembles the filter for the running architecture.
//
// The allow-list and the denied list are assembled by go-seccomp-bpf (names
// to numbers, grouped jumps). The argument checks and the ABI checks are a
// hand-built prefix, because go-seccomp-bpf (v1.6) cannot express them:
// its comparisons are 64-bit (ioctl and personality take 32-bit values, so
// a 64-bit comparison is bypassed by setting high bits), its errno action
// is always EPERM (clone3 needs ENOSYS, unknown calls want ENOSYS), and its
// default action cannot be USER_NOTIF (Policy.Validate refuses it). Its
// final "return default" instruction is therefore replaced after assembly;
// TestFilterTable pins the result.
func Build(opts Options) (*Filter, error) {
	info, err := arch.GetInfo("")
	if err != nil {
		return nil, fmt.Errorf("seccomp: %w", err)
	}
	refuse, unknown := uint32(retEPERM), uint32(retENOSYS)
	if opts.Report {
		refuse, unknown = retNotify, retNotify
	}
	prefix, err := buildPrefix(info, refuse)
	if err != nil {
		return nil, err
	}
	allow := slices.Clone(allowed)
	for _, g := range opts.Allow {
		o, ok := optional[g]
		if !ok {
			return nil, fmt.Errorf("seccomp: unknown optional group %q (have %v)", g, OptionalGroups())
		}
		allow = append(allow, o.names...)
	}
	groupAction := libseccomp.ActionErrno // EPERM
	if opts.Report {
		groupAction = libseccomp.ActionUserNotify
	}
	pol := libseccomp.Policy{
		DefaultAction: libseccomp.ActionErrno,
		Syscalls: []libseccomp.SyscallGroup{
			{Names: known(info, allow, prefixDecided...), Action: libseccomp.ActionAllow},
			{Names: known(info, deniedNames()), Action: groupAction},
		},
	}
	body, err := pol.Assemble()
	if err != nil {
		return nil, fmt.Errorf("seccomp: assembling the allow-list: %w", err)
	}
	last := len(body) - 1
	if rc, ok := body[last].(bpf.RetConstant); !ok || rc.Val != retEPERM {
		return nil, fmt.Errorf("seccomp: go-seccomp-bpf's program no longer ends with its default action (%v)", body[last])
	}
	body[last] = bpf.RetConstant{Val: unknown}
	raw, err := bpf.Assemble(append(prefix, body...))
	if err != nil {
		return nil, fmt.Errorf("seccomp: %w", err)
	}
	if len(raw) > unix.BPF_MAXINSNS {
		return nil, fmt.Errorf("seccomp: program of %d instructions exceeds %d", len(raw), unix.BPF_MAXINSNS)
	}
	f := &Filter{report: opts.Report, arch: info, Flags: unix.SECCOMP_FILTER_FLAG_TSYNC}
	if opts.Report {
		f.Flags |= unix.SECCOMP_FILTER_FLAG_NEW_LISTENER | unix.SECCOMP_FILTER_FLAG_TSYNC_ESRCH
	}
	f.insns = make([]unix.SockFilter, len(raw))
	for i, r := range raw {
		f.insns[i] = unix.SockFilter{Code: r.Op, Jt: r.Jt, Jf: r.Jf, K: r.K}
	}
	f.Program = unix.SockFprog{Len: uint16(len(f.insns)), Filter: &f.insns[0]}
	return f, nil
}

// Instructions returns a copy of the program, e.g. to evaluate or dump it.
func (f *Filter) Instructions() []unix.SockFilter { return slices.Clone(f.insns) }

// Reports says whether refused calls go to a listener.
func (f *Filter) Reports() bool { return f.report }

// buildPrefix emits the ABI and argument checks; anything it does not
// decide continues at the instruction after it (the allow-list).
func buildPrefix(info *arch.Info, refuse uint32) ([]bpf.Instruction, error) {
	nr := func(name string) (uint32, error) {
		n, ok := info.SyscallNames[name]
		if !ok {
			return 0, fmt.Errorf("seccomp: no syscall %s on %s", name, info.Name)
		}
		return uint32(n), nil
	}
	nrs := map[string]uint32{}
	for _, name := range prefixDecided {
		n, err := nr(name)
		if err != nil {
			return nil, err
		}
		nrs[name] = n
	}
	lo := func(arg uint32) uint32 { // offset of an argument's low 32 bits
		off := offArgs + 8*arg
		if !littleEndian() {
			off += 4
		}
		return off
	}
	hi := func(arg uint32) uint32 { // offset of an argument's high 32 bits
		return lo(arg) ^ 4
	}
	var a asm
	a.ld(offArch)
	a.jeq(uint32(info.ID), "", "refuse") // a foreign ABI bypasses the native tables
	a.ld(offNr)
	if info.ID == arch.X86_64.ID {
		a.jge(x32Bit, "refuse", "")
	}
	a.jeq(nrs["clone3"], "enosys", "")
	for _, name := range prefixDecided[1:] {
		a.jeq(nrs[name], name, "")
	}
	// setrlimit exists on some architectures only (glibc uses prlimit64).
	setrlimit, hasSetrlimit := info.SyscallNames["setrlimit"]
	if hasSetrlimit {
		a.jeq(uint32(setrlimit), "setrlimit", "")
	}
	a.ja("body")

	a.label("clone")
	a.ld(lo(0))
	a.jset(cloneNSFlags, "refuse", "")
	a.and(cloneExitSignal)
	a.jeq(sigXCPU, "refuse", "")
	a.jeq(sigXFSZ, "refuse", "allow")

	a.label("ioctl")
	a.ld(lo(1))
	a.jeq(tiocsti, "refuse", "")
	a.jeq(tioclinux, "refuse", "allow")

	a.label("personality")
	a.ld(lo(0))
	a.jeq(perLinux, "allow", "")
	a.jeq(personalityQuery, "allow", "refuse")

	a.label("socket")
	a.ld(lo(0))
	a.jeq(afVsock, "refuse", "")
	a.jeq(afALG, "refuse", "allow")

	// Sending SIGXCPU or SIGXFSZ: the signal number's argument.
	for _, sc := range []struct {
		name string
		arg  uint32
	}{{"kill", 1}, {"tkill", 1}, {"tgkill", 2}, {"rt_sigqueueinfo", 1}, {"rt_tgsigqueueinfo", 2}, {"pidfd_send_signal", 1}} {
		a.label(sc.name)
		a.ld(lo(sc.arg))
		a.jeq(sigXCPU, "refuse", "")
		a.jeq(sigXFSZ, "refuse", "allow")
	}
	a.label("fcntl") // F_SETSIG SIGXCPU or SIGXFSZ
	a.ld(lo(1))
	a.jeq(fSetSig, "", "allow")
	a.ld(lo(2))
	a.jeq(sigXCPU, "refuse", "")
	a.jeq(sigXFSZ, "refuse", "allow")

	// A signal event (a struct in memory the filter cannot read) may
	// name SIGXFSZ: only the NULL default is allowed.
	for _, name := range []string{"timer_create", "mq_notify"} {
		a.label(name)
		a.ld(lo(1))
		a.jeq(0, "", "refuse")
		a.ld(hi(1))
		a.jeq(0, "allow", "refuse")
	}

	a.label("rt_sigaction") // SIGXFSZ keeps its default action
	a.ld(lo(0))
	a.jeq(sigXFSZ, "", "allow")
	a.ld(lo(1))
	a.jeq(0, "", "skip")
	a.ld(hi(1))
	a.jeq(0, "allow", "skip")

	// Calls that may act on another process: only on the caller itself
	// (pid 0), so the script cannot reach the init or a sibling.
	// prlimit64 may not set RLIMIT_FSIZE either (see setrlimit below).
	a.label("prlimit64")
	a.ld(lo(0))
	a.jeq(0, "", "refuse")
	a.ld(lo(1))
	a.jeq(rlimitFsize, "", "allow")
	a.ld(lo(2))
	a.jeq(0, "", "refuse")
	a.ld(hi(2))
	a.jeq(0, "allow", "refuse")
	for _, name := range []string{"sched_setaffinity", "sched_setparam", "sched_setscheduler", "sched_setattr"} {
		a.label(name)
		a.ld(lo(0))
		a.jeq(0, "allow", "refuse")
	}
	// RLIMIT_FSIZE is the policy's limits.file_size: a limit the script
	// set lower itself would make the kernel's SIGXFSZ, the evidence of
	// file-size-limit, say a limit was reached that the policy never set.
	if hasSetrlimit {
		a.label("setrlimit")
		a.ld(lo(0))
		a.jeq(rlimitFsize, "refuse", "allow")
	}
	for _, sc := range []struct {
		name string
		user uint32 // the "which" meaning every process of a user
	}{{"setpriority", prioUser}, {"ioprio_set", ioprioWhoUser}} {
		a.label(sc.name)
		a.ld(lo(1))
		a.jeq(0, "", "refuse")
		a.ld(lo(0))
		a.jeq(sc.user, "refuse", "allow")
	}

	a.label("refuse")
	a.ret(refuse)
	a.label("enosys")
	a.ret(retENOSYS)
	a.label("skip")
	a.ret(retSkip)
	a.label("allow")
	a.ret(retAllow)
	a.label("body")
	return a.assemble()
}

// known keeps the names the architecture has, minus except.
func known(info *arch.Info, names []string, except ...string) []string {
	var out []string
	for _, n := range names {
		if _, ok := info.SyscallNames[n]; ok && !slices.Contains(except, n) && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func deniedNames() []string {
	out := make([]string, len(denied))
	for i, d := range denied {
		out[i] = d.name
	}
	return out
}

func littleEndian() bool { return binary.NativeEndian.Uint16([]byte{1, 0}) == 1 }

// asm is a minimal label assembler for the prefix.
type asm struct {
	ins    []bpf.Instruction
	jumps  map[int][2]string // index → true/false labels ("" = next)
	labels map[string]int
}

func (a *asm) ld(off uint32) {
	a.ins = append(a.ins, bpf.LoadAbsolute{Off: off, Size: 4})
}
func (a *asm) jmp(cond bpf.JumpTest, k uint32, t, f string) {
	if a.jumps == nil {
		a.jumps = make(map[int][2]string)
	}
	a.jumps[len(a.ins)] = [2]string{t, f}
	a.ins = append(a.ins, bpf.JumpIf{Cond: cond, Val: k})
}
func (a *asm) jeq(k uint32, t, f string)  { a.jmp(bpf.JumpEqual, k, t, f) }
func (a *asm) jge(k uint32, t, f string)  { a.jmp(bpf.JumpGreaterOrEqual, k, t, f) }
func (a *asm) jset(k uint32, t, f string) { a.jmp(bpf.JumpBitsSet, k, t, f) }
func (a *asm) ja(l string) {
	if a.jumps == nil {
		a.jumps = make(map[int][2]string)
	}
	a.jumps[len(a.ins)] = [2]string{l, ""}
	a.ins = append(a.ins, bpf.Jump{})
}
func (a *asm) and(k uint32) {
	a.ins = append(a.ins, bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: k})
}
func (a *asm) ret(k uint32) { a.ins = append(a.ins, bpf.RetConstant{Val: k}) }
func (a *asm) label(l string) {
	if a.labels == nil {
		a.labels = make(map[string]int)
	}
	a.labels[l] = len(a.ins)
}

func (a *asm) assemble() ([]bpf.Instruction, error) {
	skip := func(i int, l string) (int, error) {
		if l == "" {
			return 0, nil
		}
		at, ok := a.labels[l]
		if !ok || at <= i {
			return 0, fmt.Errorf("seccomp: bad label %q at %d", l, i)
		}
		return at - i - 1, nil
	}
	for i, j := range a.jumps {
		t, err := skip(i, j[0])
		if err != nil {
			return nil, err
		}
		f, err := skip(i, j[1])
		if err != nil {
			return nil, err
		}
		switch in := a.ins[i].(type) {
		case bpf.JumpIf:
			if t > 255 || f > 255 {
				return nil, fmt.Errorf("seccomp: jump too long at %d", i)
			}
			in.SkipTrue, in.SkipFalse = uint8(t), uint8(f)
			a.ins[i] = in
		case bpf.Jump:
			a.ins[i] = bpf.Jump{Skip: uint32(t)}
		}
	}
	return a.ins, nil
}
