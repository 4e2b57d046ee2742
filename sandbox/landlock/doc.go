// Package landlock owns Cordon's Landlock layer: it repeats the sandbox's
// filesystem view (read-only paths, read-write paths, nothing else), limits
// TCP bind and connect to given ports, and scopes signals and abstract unix
// sockets to the sandbox, and reports the ABI really enforced.
//
// How Cordon uses it (package sandbox): the stage-2 init prepares the
// ruleset in Go once the new root is in place, and the forked child
// enforces it with two raw system calls between fork and execve:
//
//	rs, err := landlock.Prepare(landlock.Policy{
//		ReadOnly:  []string{"/usr", "/etc/ssl"},
//		ReadWrite: []string{"/work", "/tmp", "/dev/shm", "/dev/null", "/dev/zero", "/dev/urandom"},
//		Net:       &landlock.Net{}, // deny every TCP bind and connect
//		Rules:     []landlock.Rule{{Path: "/", Access: landlock.FSReadDir}}, // exact rights
//		Scope:     true,
//		MinABI:    1, // fail (ErrUnavailable) rather than run without Landlock
//	})
//	defer rs.Close() // rs.FD is close-on-exec; rs.Status says what is in force
//	// child: prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
//	//        landlock_restrict_self(rs.FD, rs.Flags)
//	//        execve(...)
//
// An ordinary Go process about to execve uses Apply instead (it restricts
// the calling thread, which it locks, so exec from the same goroutine), or
// Ruleset.RestrictThread with a prepared ruleset; the package's tests do so.
//
// # Threads, cgo, and why not go-landlock
//
// go-landlock (v0.11) restricts every thread of the process with
// Config.Restrict; below ABI 8 (this host has ABI 7) it does so through
// kernel.org/.../libcap/psx, and its syscall package imports psx
// unconditionally. With cgo enabled — the cordon binary links tree-sitter
// through cgo — psx compiles C into the binary and wraps pthread_create for
// every thread of the process (-Wl,-wrap), and without psx's C part
// syscall.AllThreadsSyscall returns ENOTSUP. Either way the sandbox's
// start-up path would carry cgo. This package therefore makes the three
// Landlock syscalls itself (landlock_unsafe.go, with golang.org/x/sys/unix
// numbers and constants), following go-landlock's model: the ruleset fd is
// built in Go (Prepare, go-landlock's NewRulesetFD), then enforced on the
// one thread that will execve (runtime.LockOSThread, never unlocked, so the
// Go runtime retires the thread instead of reusing it), or in a forked
// child by two raw syscalls. Other threads of the Go process stay
// unrestricted until execve replaces them all; the executed program
// inherits the domain of the exec'ing thread only. From ABI 8 the kernel's
// TSYNC flag restricts every thread as well.
//
// # What is reported
//
// Best effort: the ruleset handles every right of the kernel's ABI (capped
// at ABI 10, the newest this package knows), and Status says exactly what
// the ruleset handles — never more than applied. A policy with MinABI above the
// kernel's fails with *UnavailableError (errors.Is ErrUnavailable), nothing
// applied.
//
// Rights: ReadOnly paths may be read and executed; ReadWrite paths may be
// read, written, created, removed, renamed and linked within the writable
// set, but not executed (write xor execute: a script cannot drop a binary
// and run it) unless Policy.ExecWritable; ReadWrite files (device nodes such
// as /dev/null) also get ioctl. Landlock ABI 7 restricts neither UDP nor
// pathname unix sockets: the network namespace and seccomp cover those.
package landlock
