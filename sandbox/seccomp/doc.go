// Package seccomp owns Cordon's syscall filter: an allow-list seccomp-BPF
// program built with github.com/elastic/go-seccomp-bpf plus a hand-built
// prefix for argument and ABI checks, and the supervisor-side notifier that
// answers and reports every refused call.
//
// Normal case (a Go process about to execve the interpreter, Landlock
// already applied):
//
//	f, err := seccomp.Build(seccomp.Options{Report: true})
//	listener, err := f.Apply()              // no_new_privs + all threads (TSYNC)
//	err = seccomp.SendListener(sock, listener) // hand it to the supervisor
//	unix.Close(listener)                    // close-on-exec anyway
//	syscall.Exec(python, argv, env)
//
// Supervisor:
//
//	l, err := seccomp.RecvListener(sock)     // or pidfd_getfd(2)
//	go func() {
//		err := seccomp.Serve(ctx, l, func(r seccomp.Refusal) {
//			// r.Dangerous → security event (ptrace, mount, unshare, …)
//		})
//		unix.Close(l)
//	}()
//
// Raw case (a child between fork and execve that may only make raw
// syscalls): Build in Go beforehand and keep the *Filter alive; the child
// does prctl(PR_SET_NO_NEW_PRIVS, 1) then
// seccomp(SECCOMP_SET_MODE_FILTER, f.Flags, &f.Program); with Report the
// return value is the listener fd, which it must pass on (sendmsg with a
// prepared msghdr) or the parent takes with pidfd_getfd before the child
// execs (the fd is close-on-exec).
//
// # Decisions
//
//   - allowed (syscalls.go): allowed.
//   - denied (syscalls.go, each with its reason): EPERM, reported as
//     dangerous.
//   - clone with CLONE_NEW* flags, ioctl TIOCSTI/TIOCLINUX, personality other
//     than PER_LINUX or the query, a foreign ABI (i386 via int 0x80) and x32:
//     EPERM, reported as dangerous.
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
