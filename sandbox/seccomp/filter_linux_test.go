//go:build linux

package seccomp

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/sys/unix"
)

func build(t testing.TB, report bool) *Filter {
	t.Helper()
	f, err := Build(Options{Report: report})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return f
}

func data(t testing.TB, name string, args ...uint64) seccompData {
	t.Helper()
	nr, ok := arch.X86_64.SyscallNames[name]
	if !ok {
		t.Fatalf("no syscall %s", name)
	}
	d := seccompData{Nr: int32(nr), Arch: uint32(arch.X86_64.ID)}
	copy(d.Args[:], args)
	return d
}

func TestTablesKnown(t *testing.T) {
	for _, n := range allowed {
		if _, ok := arch.X86_64.SyscallNames[n]; !ok {
			t.Errorf("allowed syscall %q unknown on x86_64", n)
		}
	}
	for _, d := range denied {
		if _, ok := arch.X86_64.SyscallNames[d.name]; !ok {
			t.Errorf("denied syscall %q unknown on x86_64", d.name)
		}
		if slices.Contains(allowed, d.name) {
			t.Errorf("%q is both allowed and denied", d.name)
		}
		if d.reason == "" {
			t.Errorf("%q has no reason", d.name)
		}
	}
	for _, n := range []string{"clone3", "personality"} {
		if slices.Contains(allowed, n) {
			t.Errorf("%s must be decided by the prefix, not the allow-list", n)
		}
	}
}

func TestFilterTable(t *testing.T) {
	if arch.X86_64.ID != mustNative(t).ID {
		t.Skip("the table is written for x86_64")
	}
	const (
		sigchld     = 17
		threadFlags = 0x3d0f00 // CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID
	)
	type tc struct {
		name string
		d    seccompData
		// want without a listener; with one, every refusal but clone3's
		// becomes USER_NOTIF.
		want uint32
	}
	var tests []tc
	for _, n := range allowed {
		if slices.Contains(prefixDecided, n) {
			tests = append(tests, tc{"allowed " + n + " on itself", data(t, n), retAllow})
			continue
		}
		tests = append(tests, tc{"allowed " + n, data(t, n), retAllow})
	}
	for _, d := range denied {
		tests = append(tests, tc{"denied " + d.name, data(t, d.name), retEPERM})
	}
	tests = append(tests,
		tc{"clone3 ENOSYS", data(t, "clone3"), retENOSYS},
		tc{"clone thread", data(t, "clone", threadFlags), retAllow},
		tc{"clone fork", data(t, "clone", sigchld), retAllow},
		tc{"clone vfork", data(t, "clone", 0x4000|0x100|sigchld), retAllow},
		tc{"clone high bits ignored by the kernel", data(t, "clone", 1<<32|sigchld), retAllow},
		tc{"ioctl TCGETS", data(t, "ioctl", 1, 0x5401), retAllow},
		tc{"ioctl FIONREAD", data(t, "ioctl", 1, 0x541B), retAllow},
		tc{"ioctl TIOCSTI", data(t, "ioctl", 0, tiocsti), retEPERM},
		tc{"ioctl TIOCSTI high bits", data(t, "ioctl", 0, 0xdead00000000|tiocsti), retEPERM},
		tc{"ioctl TIOCLINUX", data(t, "ioctl", 0, tioclinux), retEPERM},
		tc{"socket AF_INET", data(t, "socket", 2, 1), retAllow},
		tc{"socket AF_UNIX", data(t, "socket", 1, 1), retAllow},
		tc{"socket AF_NETLINK", data(t, "socket", 16, 3), retAllow},
		tc{"socket AF_VSOCK", data(t, "socket", afVsock, 1), retEPERM},
		tc{"socket AF_VSOCK high bits", data(t, "socket", 1<<40|afVsock, 1), retEPERM},
		tc{"socket AF_ALG", data(t, "socket", afALG, 5), retEPERM},
		tc{"personality PER_LINUX", data(t, "personality", 0), retAllow},
		tc{"personality query", data(t, "personality", 0xffffffff), retAllow},
		tc{"personality ADDR_NO_RANDOMIZE", data(t, "personality", 0x0040000), retEPERM},
		tc{"personality READ_IMPLIES_EXEC", data(t, "personality", 0x0400000), retEPERM},
		tc{"kill SIGTERM", data(t, "kill", 5, 15), retAllow},
		tc{"kill SIGXFSZ", data(t, "kill", 0, sigXFSZ), retEPERM},
		tc{"tkill SIGXFSZ", data(t, "tkill", 5, sigXFSZ), retEPERM},
		tc{"tgkill SIGXFSZ", data(t, "tgkill", 5, 5, sigXFSZ), retEPERM},
		tc{"tgkill SIGXCPU", data(t, "tgkill", 5, 5, sigXCPU), retEPERM},
		tc{"kill SIGXCPU", data(t, "kill", 0, sigXCPU), retEPERM},
		tc{"clone exit signal SIGXCPU", data(t, "clone", sigXCPU), retEPERM},
		tc{"fcntl F_SETSIG SIGXCPU", data(t, "fcntl", 3, fSetSig, sigXCPU), retEPERM},
		tc{"rt_sigqueueinfo SIGXFSZ", data(t, "rt_sigqueueinfo", 5, sigXFSZ), retEPERM},
		tc{"rt_tgsigqueueinfo SIGXFSZ", data(t, "rt_tgsigqueueinfo", 5, 5, sigXFSZ), retEPERM},
		tc{"pidfd_send_signal SIGXFSZ", data(t, "pidfd_send_signal", 3, sigXFSZ), retEPERM},
		tc{"clone exit signal SIGXFSZ", data(t, "clone", sigXFSZ), retEPERM},
		tc{"fcntl F_SETSIG SIGXFSZ", data(t, "fcntl", 3, fSetSig, sigXFSZ), retEPERM},
		tc{"fcntl F_SETSIG SIGUSR1", data(t, "fcntl", 3, fSetSig, 10), retAllow},
		tc{"fcntl F_GETFL", data(t, "fcntl", 3, 3), retAllow},
		tc{"timer_create NULL event", data(t, "timer_create", 1, 0, 0x1000), retAllow},
		tc{"timer_create with an event", data(t, "timer_create", 1, 0x7fff0000, 0x1000), retEPERM},
		tc{"timer_create event above 4 GiB", data(t, "timer_create", 1, 1<<40, 0x1000), retEPERM},
		tc{"mq_notify with an event", data(t, "mq_notify", 3, 0x7fff0000), retEPERM},
		tc{"rt_sigaction SIGXFSZ set", data(t, "rt_sigaction", sigXFSZ, 0x7fff0000, 0), retSkip},
		tc{"rt_sigaction SIGXFSZ set above 4 GiB", data(t, "rt_sigaction", sigXFSZ, 1<<40, 0), retSkip},
		tc{"rt_sigaction SIGXFSZ query", data(t, "rt_sigaction", sigXFSZ, 0, 0x7fff0000), retAllow},
		tc{"rt_sigaction SIGINT set", data(t, "rt_sigaction", 2, 0x7fff0000, 0), retAllow},
		tc{"prlimit64 self", data(t, "prlimit64", 0, 9, 0x1000, 0), retAllow},
		tc{"prlimit64 init", data(t, "prlimit64", 1, 9, 0x1000, 0), retEPERM},
		tc{"prlimit64 self sets RLIMIT_FSIZE", data(t, "prlimit64", 0, rlimitFsize, 0x1000, 0), retEPERM},
		tc{"prlimit64 self sets RLIMIT_FSIZE above 4 GiB", data(t, "prlimit64", 0, rlimitFsize, 1<<40, 0), retEPERM},
		tc{"prlimit64 self reads RLIMIT_FSIZE", data(t, "prlimit64", 0, rlimitFsize, 0, 0x1000), retAllow},
		tc{"setrlimit RLIMIT_FSIZE", data(t, "setrlimit", rlimitFsize, 0x1000), retEPERM},
		tc{"setrlimit RLIMIT_NOFILE", data(t, "setrlimit", 7, 0x1000), retAllow},
		tc{"sched_setaffinity init", data(t, "sched_setaffinity", 1, 8, 0x1000), retEPERM},
		tc{"sched_setscheduler init", data(t, "sched_setscheduler", 1, 0, 0x1000), retEPERM},
		tc{"sched_setattr init", data(t, "sched_setattr", 1, 0x1000, 0), retEPERM},
		tc{"sched_setparam init", data(t, "sched_setparam", 1, 0x1000), retEPERM},
		tc{"setpriority self", data(t, "setpriority", 0, 0, 10), retAllow},
		tc{"setpriority init", data(t, "setpriority", 0, 1, 10), retEPERM},
		tc{"setpriority own user", data(t, "setpriority", prioUser, 0, 10), retEPERM},
		tc{"ioprio_set self", data(t, "ioprio_set", 1, 0, 0x6007), retAllow},
		tc{"ioprio_set init", data(t, "ioprio_set", 1, 1, 0x6007), retEPERM},
		tc{"ioprio_set own user", data(t, "ioprio_set", ioprioWhoUser, 0, 0x6007), retEPERM},
		tc{"memfd_create off by default", data(t, "memfd_create", 0, 1), retENOSYS},
		tc{"io_setup off by default", data(t, "io_setup", 1024, 0x1000), retENOSYS},
		tc{"io_submit off by default", data(t, "io_submit", 1, 1, 0x1000), retENOSYS},
		tc{"shmget off by default", data(t, "shmget", 0, 1<<20, 0o1600), retENOSYS},
		tc{"unlisted get_mempolicy", data(t, "get_mempolicy"), retENOSYS},
		tc{"unknown number", seccompData{Nr: 1000, Arch: uint32(arch.X86_64.ID)}, retENOSYS},
		tc{"negative number (x32 bit set)", seccompData{Nr: -1, Arch: uint32(arch.X86_64.ID)}, retEPERM},
		tc{"x32 getpid", seccompData{Nr: x32Bit | 39, Arch: uint32(arch.X86_64.ID)}, retEPERM},
		tc{"i386 getpid", seccompData{Nr: 20, Arch: uint32(arch.I386.ID)}, retEPERM},
		tc{"i386 arch with an allowed x86_64 number", seccompData{Nr: 0, Arch: uint32(arch.I386.ID)}, retEPERM},
	)
	for _, ns := range []uint64{0x20000, 0x2000000, 0x4000000, 0x8000000, 0x10000000, 0x20000000, 0x40000000} {
		tests = append(tests, tc{fmt.Sprintf("clone ns %#x", ns), data(t, "clone", ns|sigchld), retEPERM})
	}
	for _, report := range []bool{false, true} {
		f := build(t, report)
		for _, tt := range tests {
			t.Run(fmt.Sprintf("report=%v/%s", report, tt.name), func(t *testing.T) {
				got, err := eval(f.Instructions(), tt.d)
				if err != nil {
					t.Fatal(err)
				}
				want := tt.want
				if report && want != retAllow && want != retSkip && tt.name != "clone3 ENOSYS" {
					want = retNotify
				}
				if got != want {
					t.Errorf("filter returned %#x, want %#x", got, want)
				}
				if want == retNotify || (!report && want != retAllow && want != retSkip) {
					// The notifier must answer what the filter alone answers.
					r := classify(arch.X86_64, tt.d)
					if !report && uint32(unix.SECCOMP_RET_ERRNO)|uint32(r.Errno) != tt.want {
						t.Errorf("classify says %v (%s), filter says %#x", r.Errno, r.Kind, tt.want)
					}
				}
			})
		}
	}
}

// TestOptionalGroups: Options.Allow turns an optional group on, and only
// that one; an unknown group is an error.
func TestOptionalGroups(t *testing.T) {
	f, err := Build(Options{Allow: []string{"memfd"}})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]uint32{"memfd_create": retAllow, "io_setup": retENOSYS} {
		if got, err := eval(f.Instructions(), data(t, name, 0, 1)); err != nil || got != want {
			t.Errorf("%s with memfd allowed: %#x, %v; want %#x", name, got, err, want)
		}
	}
	if _, err := Build(Options{Allow: OptionalGroups()}); err != nil {
		t.Errorf("the groups OptionalGroups names do not all build: %v", err)
	}
	if len(optional) != len(OptionalGroups()) {
		t.Errorf("OptionalGroups %v does not list the %d groups", OptionalGroups(), len(optional))
	}
	if _, err := Build(Options{Allow: []string{"ptrace"}}); err == nil {
		t.Errorf("an unknown optional group was accepted")
	}
	r := classify(arch.X86_64, data(t, "io_setup"))
	if r.Kind != KindNotAllowed || !strings.Contains(r.Reason, "allow_syscalls: [aio]") {
		t.Errorf("io_setup refusal %+v does not say how to allow it", r)
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		d         seccompData
		kind      Kind
		name      string
		errno     unix.Errno
		dangerous bool
	}{
		{data(t, "ptrace"), KindDenied, "ptrace", unix.EPERM, true},
		{data(t, "io_uring_setup"), KindDenied, "io_uring_setup", unix.EPERM, true},
		{data(t, "clone", 0x10000000), KindCloneNS, "clone", unix.EPERM, true},
		{data(t, "ioctl", 0, tiocsti), KindIoctl, "ioctl", unix.EPERM, true},
		{data(t, "socket", afVsock, 1), KindSocket, "socket", unix.EPERM, true},
		{data(t, "personality", 0x40000), KindPersonality, "personality", unix.EPERM, true},
		{seccompData{Nr: 26, Arch: uint32(arch.I386.ID)}, KindForeignArch, "i386:ptrace", unix.EPERM, true},
		{seccompData{Nr: x32Bit | 101, Arch: uint32(arch.X86_64.ID)}, KindX32, "x32:101", unix.EPERM, true},
		{data(t, "kill", 0, sigXFSZ), KindSignal, "kill", unix.EPERM, false},
		{data(t, "clone", sigXFSZ), KindSignal, "clone", unix.EPERM, false},
		{data(t, "prlimit64", 1, 9), KindOtherPid, "prlimit64", unix.EPERM, false},
		{data(t, "prlimit64", 1, rlimitFsize, 0x1000), KindOtherPid, "prlimit64", unix.EPERM, false},
		{data(t, "prlimit64", 0, rlimitFsize, 0x1000), KindSignal, "prlimit64", unix.EPERM, false},
		{data(t, "setrlimit", rlimitFsize, 0x1000), KindSignal, "setrlimit", unix.EPERM, false},
		{data(t, "get_mempolicy"), KindNotAllowed, "get_mempolicy", unix.ENOSYS, false},
		{seccompData{Nr: 5000, Arch: uint32(arch.X86_64.ID)}, KindNotAllowed, "syscall_5000", unix.ENOSYS, false},
	}
	for _, tt := range tests {
		r := classify(arch.X86_64, tt.d)
		if r.Kind != tt.kind || r.Name != tt.name || r.Errno != tt.errno || r.Dangerous != tt.dangerous || r.Reason == "" {
			t.Errorf("classify(%+v) = %+v; want %s %s %v dangerous=%v", tt.d, r, tt.kind, tt.name, tt.errno, tt.dangerous)
		}
	}
}

func mustNative(t testing.TB) *arch.Info {
	info, err := arch.GetInfo("")
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// FuzzFilter: for any input the program ends in a known action, and the
// notifier's answer equals the silent filter's errno.
func FuzzFilter(f *testing.F) {
	f.Add(int32(56), uint32(arch.X86_64.ID), uint64(0x10000000), uint64(0))
	f.Add(int32(16), uint32(arch.X86_64.ID), uint64(0), uint64(tiocsti))
	f.Add(int32(135), uint32(arch.X86_64.ID), uint64(0x40000), uint64(0))
	f.Add(int32(x32Bit|39), uint32(arch.X86_64.ID), uint64(0), uint64(0))
	f.Add(int32(20), uint32(arch.I386.ID), uint64(0), uint64(0))
	silent, notify := build(f, false), build(f, true)
	f.Fuzz(func(t *testing.T, nr int32, a uint32, a0, a1 uint64) {
		d := seccompData{Nr: nr, Arch: a, Args: [6]uint64{a0, a1}}
		s, err := eval(silent.Instructions(), d)
		if err != nil {
			t.Fatal(err)
		}
		n, err := eval(notify.Instructions(), d)
		if err != nil {
			t.Fatal(err)
		}
		switch s {
		case retAllow, retSkip:
			if n != s {
				t.Fatalf("%#x silently but %#x with a listener", s, n)
			}
		case retEPERM, retENOSYS:
			isClone3 := d.Arch == uint32(arch.X86_64.ID) && nr == 435
			if n != retNotify && !(isClone3 && n == retENOSYS) {
				t.Fatalf("refused silently (%#x) but %#x with a listener", s, n)
			}
			if r := classify(arch.X86_64, d); uint32(unix.SECCOMP_RET_ERRNO)|uint32(r.Errno) != s {
				t.Fatalf("notifier would answer %v, filter answers %#x (%+v)", r.Errno, s, r)
			}
		default:
			t.Fatalf("unexpected action %#x", s)
		}
	})
}
