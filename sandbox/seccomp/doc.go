// Package seccomp owns Cordon's syscall filter: an allow-list seccomp-BPF
// program built with github.com/elastic/go-seccomp-bpf plus a hand-built
// prefix for argument and ABI checks, and the supervisor-side notifier that
// answers and reports every refused call.
//
// How Cordon uses it (package sandbox): the stage-2 init builds the filter
// in Go before it forks, and the forked child — which may only make raw
// system calls between fork and execve — installs it and passes the
// listener on:
//
//	f, err := seccomp.Build(seccomp.Options{Report: true, Allow: groups})
//	// in the child (sandbox/fork_unsafe.go), raw: prctl(PR_SET_NO_NEW_PRIVS),
//	// seccomp(SECCOMP_SET_MODE_FILTER, f.Flags, &f.Program) returns the
//	// listener fd, sendmsg(SCM_RIGHTS) on the control socket, execve
//
// Keep the *Filter alive until the child has installed it (its Program
// points into the filter's instructions). The supervisor receives the
// listener (sandbox.Sandbox.Listener) and answers every refused call:
//
//	go func() {
//		_ = seccomp.Serve(ctx, listener, func(r seccomp.Refusal) {
//			// r.Class → the policy's action (isolation.refusals)
//		})
//		unix.Close(listener)
//	}()
//
// [Filter.Apply], [SendListener] and [RecvListener] do the same from an
// ordinary Go process; the package's own tests install the filter on a
// victim process that way.
//
// # Decisions
//
//   - allowed (syscalls.go): allowed.
//   - denied (syscalls.go, each with its reason): EPERM, reported as
//     dangerous.
//   - clone with CLONE_NEW* flags, ioctl TIOCSTI/TIOCLINUX, personality other
//     than PER_LINUX or the query, a foreign ABI (i386 via int 0x80) and x32:
//     EPERM, reported as dangerous.
//   - sending SIGXCPU or SIGXFSZ (the kernel's evidence of the CPU and
//     file-size limits), limits or scheduling of another process, and the
//     script's own RLIMIT_FSIZE: EPERM, reported, not dangerous.
//   - optional groups (OptionalGroups: memfd, aio, sysvshm) not in
//     Options.Allow: ENOSYS, reported as not-allowed.
//   - clone3: ENOSYS, not reported (flags unreadable; glibc falls back to
//     clone only on ENOSYS — EPERM would stop Python starting threads).
//   - anything else: ENOSYS, reported as not-allowed (not dangerous), so
//     glibc and Python fall back from syscalls they merely probe.
//
// With Options.Report the refusals are SECCOMP_RET_USER_NOTIF: the calling
// thread waits for Serve, which answers the errno above and calls report.
// USER_NOTIF costs ~16 µs per notified call, paid only by refused calls. If
// the supervisor dies, the listener closes and the kernel answers ENOSYS: a
// refused call never succeeds. Without Report the filter returns the errno
// itself and nothing is reported.
//
// Why a hand-built prefix: go-seccomp-bpf compares 64-bit arguments (the
// kernel truncates ioctl's and personality's to 32 bits, so a 64-bit
// comparison is bypassed with high bits), has EPERM as its only errno, and
// refuses USER_NOTIF as a default action. The prefix and the notifier's
// classify share the same tables and a fuzz test checks they agree.
package seccomp
