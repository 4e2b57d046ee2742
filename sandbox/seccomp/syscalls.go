package seccomp

import "slices"

// The syscall tables. A name the running architecture does not have is
// skipped (e.g. iopl on arm64); TestTablesKnown pins that every name exists
// on amd64, so a typo cannot silently drop a rule.

// allowed is the allow-list: what CPython, its stdlib (threads, subprocess,
// multiprocessing with fork/spawn/forkserver, asyncio, sqlite3, sockets in
// the sandbox's own network namespace), glibc, a POSIX shell and the Go
// runtime of the stage-2 init (between installing the filter and execve)
// use. Based on container runtimes' default profiles minus everything in
// denied and anything needing a capability the sandbox never has.
// Measured with strace -f over a script using all of the above.
var allowed = []string{
	// files and directories
	"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev",
	"preadv2", "pwritev2", "open", "openat", "openat2", "creat", "close", "close_range",
	"lseek", "stat", "fstat", "lstat", "newfstatat", "statx", "statfs", "fstatfs",
	"access", "faccessat", "faccessat2", "readlink", "readlinkat", "getdents",
	"getdents64", "getcwd", "chdir", "fchdir", "mkdir", "mkdirat", "rmdir", "unlink",
	"unlinkat", "rename", "renameat", "renameat2", "link", "linkat", "symlink",
	"symlinkat", "chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown",
	"fchownat", "umask", "truncate", "ftruncate", "fallocate", "fadvise64", "readahead",
	"fsync", "fdatasync", "sync", "syncfs", "sync_file_range", "flock", "fcntl",
	"dup", "dup2", "dup3", "pipe", "pipe2", "mknod", "mknodat", "utime", "utimes",
	"utimensat", "futimesat", "getxattr", "lgetxattr", "fgetxattr", "listxattr",
	"llistxattr", "flistxattr", "setxattr", "lsetxattr", "fsetxattr", "removexattr",
	"lremovexattr", "fremovexattr", "sendfile", "copy_file_range", "splice", "tee",
	"inotify_init", "inotify_init1", "inotify_add_watch", "inotify_rm_watch",
	"cachestat",
	// ioctl is allowed except TIOCSTI and TIOCLINUX (checked first, see filter)
	"ioctl",
	// memory
	"brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "msync", "mincore",
	"mlock", "mlock2", "munlock", "mlockall", "munlockall", "membarrier",
	"pkey_alloc", "pkey_free", "pkey_mprotect", "map_shadow_stack", "mseal",
	"remap_file_pages",
	// processes and threads (clone: only without namespace flags, see filter)
	"fork", "vfork", "execve", "execveat", "exit", "exit_group", "wait4", "waitid",
	"kill", "tkill", "tgkill", "getpid", "getppid", "gettid", "getpgid", "setpgid",
	"getpgrp", "getsid", "setsid", "set_tid_address", "set_robust_list",
	"get_robust_list", "rseq", "arch_prctl", "prctl", "futex", "futex_waitv",
	"sched_yield", "sched_getaffinity", "sched_setaffinity", "sched_getparam",
	"sched_setparam", "sched_getscheduler", "sched_setscheduler", "sched_getattr",
	"sched_setattr", "sched_get_priority_max", "sched_get_priority_min",
	"sched_rr_get_interval", "getpriority", "setpriority", "getrlimit", "setrlimit",
	"prlimit64", "getrusage", "times", "pidfd_open", "pidfd_send_signal",
	"ioprio_get", "ioprio_set", "getcpu", "capget",
	// credentials inside the user namespace (cannot gain anything: no caps)
	"getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups",
	"setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid",
	"setfsuid", "setfsgid", "setgroups", "capset",
	// signals
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending",
	"rt_sigsuspend", "rt_sigtimedwait", "rt_sigqueueinfo", "rt_tgsigqueueinfo",
	"sigaltstack", "signalfd", "signalfd4", "pause", "alarm", "restart_syscall",
	// time
	"clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday",
	"time", "getitimer", "setitimer", "timer_create", "timer_settime", "timer_gettime",
	"timer_getoverrun", "timer_delete", "timerfd_create", "timerfd_settime",
	"timerfd_gettime",
	// polling and events
	"poll", "ppoll", "select", "pselect6", "epoll_create", "epoll_create1",
	"epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2",
	// sockets (the network namespace and Landlock decide where they lead)
	"socket", "socketpair", "bind", "listen", "accept", "accept4", "connect",
	"getsockname", "getpeername", "getsockopt", "setsockopt", "sendto", "recvfrom",
	"sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "shutdown",
	// System V semaphores and message queues, POSIX message queues
	// (private IPC namespace; multiprocessing). SysV shared memory is the
	// optional group "sysvshm".
	"semget", "semop", "semtimedop", "semctl",
	"msgget", "msgsnd", "msgrcv", "msgctl", "mq_open", "mq_unlink", "mq_timedsend",
	"mq_timedreceive", "mq_notify", "mq_getsetattr",
	// information
	"uname", "sysinfo", "getrandom",
}

// Optional groups: off (not on the allow-list: ENOSYS, reported as
// not-allowed) unless Options.Allow names them. Python never needs them.
var optional = map[string]struct {
	names  []string
	reason string
}{
	// memfd_create: an anonymous file lives outside every mount, so the
	// noexec of the writable places does not apply to it — its content
	// can be executed (execveat, /proc/self/fd, ld.so) — and its memory
	// is outside the tmpfs size bounds.
	"memfd": {[]string{"memfd_create"}, "anonymous files are executable and outside the tmpfs bounds"},
	// Legacy AIO takes events from the host-wide fs.aio-max-nr pool.
	"aio": {[]string{"io_setup", "io_destroy", "io_submit", "io_cancel", "io_getevents", "io_pgetevents"},
		"legacy AIO takes events from the host-wide fs.aio-max-nr"},
	// SysV shared memory lives outside every tmpfs bound and the cgroup-
	// less memory limit; its per-IPC-namespace limits (kernel.shmmax,
	// shmall, shmmni) can only be set by the namespace's root, which the
	// sandbox does not map.
	"sysvshm": {[]string{"shmget", "shmat", "shmdt", "shmctl"},
		"SysV shared memory is outside the tmpfs bounds and the degraded memory limit"},
}

// OptionalGroups are the names Options.Allow accepts, sorted.
func OptionalGroups() []string { return []string{"aio", "memfd", "sysvshm"} }

// optionalGroup returns the optional group a syscall belongs to, if any.
func optionalGroup(name string) (string, bool) {
	for g, o := range optional {
		if slices.Contains(o.names, name) {
			return g, true
		}
	}
	return "", false
}

// denied are refused and reported as security events: each escapes or
// weakens the sandbox, reaches the kernel's riskiest code, or acts on the
// host. The reason is part of the report.
var denied = []struct{ name, reason string }{
	{"ptrace", "inspect or control another process"},
	{"process_vm_readv", "read another process's memory"},
	{"process_vm_writev", "write another process's memory"},
	{"pidfd_getfd", "steal a file descriptor from another process"},
	{"kcmp", "compare kernel objects of other processes (ASLR/info leak)"},
	{"mount", "change the mount table"},
	{"umount2", "change the mount table"},
	{"fsopen", "new mount API"},
	{"fsconfig", "new mount API"},
	{"fsmount", "new mount API"},
	{"move_mount", "new mount API"},
	{"open_tree", "new mount API (clone a mount tree)"},
	{"open_tree_attr", "new mount API"},
	{"fspick", "new mount API"},
	{"mount_setattr", "change mount attributes (e.g. drop read-only)"},
	{"pivot_root", "change the root filesystem"},
	{"chroot", "change the root directory"},
	{"unshare", "new namespaces (a nested user namespace regains capabilities)"},
	{"setns", "enter another namespace"},
	{"init_module", "load a kernel module"},
	{"finit_module", "load a kernel module"},
	{"delete_module", "unload a kernel module"},
	{"kexec_load", "replace the running kernel"},
	{"kexec_file_load", "replace the running kernel"},
	{"bpf", "eBPF programs and maps: large kernel attack surface"},
	{"perf_event_open", "performance counters: kernel attack surface, side channels"},
	{"keyctl", "kernel keyrings are not namespaced"},
	{"add_key", "kernel keyrings are not namespaced"},
	{"request_key", "kernel keyrings are not namespaced"},
	{"userfaultfd", "stalls kernel page faults: widens race windows in exploits"},
	{"io_uring_setup", "io_uring: bypasses seccomp for its operations, frequent kernel bugs"},
	{"io_uring_enter", "io_uring"},
	{"io_uring_register", "io_uring"},
	{"open_by_handle_at", "open files by handle, bypassing path checks (container breakout)"},
	{"name_to_handle_at", "file handles for open_by_handle_at"},
	{"reboot", "reboot or halt the host"},
	{"swapon", "change the host's swap"},
	{"swapoff", "change the host's swap"},
	{"acct", "host process accounting"},
	{"settimeofday", "set the host clock"},
	{"clock_settime", "set the host clock"},
	{"clock_adjtime", "adjust the host clock"},
	{"adjtimex", "adjust the host clock"},
	// The UTS namespace is private, so these could only rename the sandbox;
	// refusing keeps the sandbox's identity fixed and reports the attempt.
	{"sethostname", "change the host name"},
	{"setdomainname", "change the domain name"},
	{"syslog", "read or clear the kernel log"},
	{"quotactl", "filesystem quotas"},
	{"quotactl_fd", "filesystem quotas"},
	{"lookup_dcookie", "kernel profiling cookies"},
	{"vhangup", "hang up the terminal"},
	{"iopl", "raw I/O port access"},
	{"ioperm", "raw I/O port access"},
	{"fanotify_init", "filesystem-wide event monitoring"},
	{"uselib", "obsolete loader entry point"},
	{"ustat", "obsolete"},
	{"sysfs", "obsolete"},
	{"nfsservctl", "obsolete"},
	{"lsm_set_self_attr", "change the LSM context"},
	{"seccomp", "the sandbox's filter is final; nested listeners could answer for children"},
	{"landlock_create_ruleset", "the sandbox's Landlock domain is final"},
	{"landlock_add_rule", "the sandbox's Landlock domain is final"},
	{"landlock_restrict_self", "the sandbox's Landlock domain is final"},
}

// The argument-checked rules, built by hand in the filter's prefix:
//
//   - clone with any CLONE_NEW* flag is refused and reported (new
//     namespaces); clone without them (threads, fork) is allowed.
//   - clone3 answers ENOSYS without a report: its flags live in memory the
//     filter cannot read, so it cannot be checked, and glibc falls back to
//     clone only on ENOSYS (EPERM would stop Python starting threads).
//   - ioctl TIOCSTI (inject input into a terminal) and TIOCLINUX (console
//     selection/injection) are refused and reported; the command is compared
//     on its low 32 bits, as the kernel truncates it.
//   - socket with family AF_VSOCK (not confined by the network namespace:
//     reaches the hypervisor host) or AF_ALG (the kernel crypto API, a
//     recurrent source of kernel bugs; Python's hashlib uses OpenSSL) is
//     refused and reported; other families are allowed (the network
//     namespace, Landlock and the lack of capabilities decide).
//   - personality: only PER_LINUX (0) and the query 0xffffffff; flags such as
//     ADDR_NO_RANDOMIZE or READ_IMPLIES_EXEC are refused and reported.
//   - a foreign architecture (the i386 ABI via int 0x80 on x86_64) and the
//     x32 ABI are refused and reported: the tables above are for the native
//     ABI only, so any other ABI would bypass them.
//
//   - sending SIGXCPU or SIGXFSZ is refused (EPERM, reported, not
//     dangerous) whichever way: kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo,
//     pidfd_send_signal, clone with either as its exit signal, fcntl
//     F_SETSIG, and timer_create and mq_notify with a signal event (the
//     event is in memory the filter cannot read, so only NULL is
//     allowed); rt_sigaction on SIGXFSZ with a new action returns 0
//     without changing it (not reported), so SIGXFSZ keeps its default
//     action even in Python, which ignores it at start-up. A death by
//     SIGXFSZ is then only ever the kernel's RLIMIT_FSIZE refusal, and a
//     death by SIGXCPU RLIMIT_CPU's: the evidence of the file-size-limit
//     and cpu-limit statuses.
//   - setting RLIMIT_FSIZE (prlimit64 with a new limit, setrlimit) is
//     refused (EPERM, reported, not dangerous): a limit the script lowered
//     itself would make the kernel's SIGXFSZ forge file-size-limit.
//   - prlimit64, sched_setaffinity, sched_setparam, sched_setscheduler
//     and sched_setattr only on the caller itself (pid 0); setpriority
//     and ioprio_set only with who 0 and not for a whole user (the init
//     shares the script's uid): refused (EPERM, reported, not dangerous)
//     on any other process, so the script cannot lower the init's limits
//     or starve it.
//
// Everything else (unknown or new syscalls) answers ENOSYS, reported as
// not-allowed (not as an attack): ENOSYS lets glibc and Python fall back.

// prefixDecided are decided by the filter's prefix (argument checks), not
// by the allow-list; clone3 comes first (ENOSYS, see above).
var prefixDecided = []string{"clone3", "clone", "ioctl", "personality", "socket",
	"kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_send_signal",
	"fcntl", "timer_create", "mq_notify", "rt_sigaction",
	"prlimit64", "sched_setaffinity", "sched_setparam", "sched_setscheduler", "sched_setattr",
	"setpriority", "ioprio_set"}

// signalCalls and otherPidCalls are the prefix-decided calls refused for
// the SIGXCPU/SIGXFSZ and the other-process rules (clone is refused for its exit
// signal only when it has no namespace flag).
var (
	signalCalls = []string{"clone", "kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo",
		"pidfd_send_signal", "fcntl", "timer_create", "mq_notify"}
	otherPidCalls = []string{"prlimit64", "sched_setaffinity", "sched_setparam", "sched_setscheduler",
		"sched_setattr", "setpriority", "ioprio_set"}
)

// Signal numbers and arguments of the SIGXFSZ rules.
const (
	sigXCPU         = 24   // SIGXCPU and SIGXFSZ: the same on every Linux
	sigXFSZ         = 25   // architecture Go supports but mips
	cloneExitSignal = 0xff // CSIGNAL: clone's exit signal
	fSetSig         = 10   // F_SETSIG
	rlimitFsize     = 1    // RLIMIT_FSIZE
)

// The "which" values that mean every process of a user.
const (
	prioUser      = 2 // PRIO_USER
	ioprioWhoUser = 3 // IOPRIO_WHO_USER
)

// cloneNSFlags are the CLONE_NEW* flags accepted by clone(2). CLONE_NEWTIME
// (0x80) is valid only for clone3 and overlaps the exit signal byte here.
const cloneNSFlags = 0x00020000 | // CLONE_NEWNS
	0x02000000 | // CLONE_NEWCGROUP
	0x04000000 | // CLONE_NEWUTS
	0x08000000 | // CLONE_NEWIPC
	0x10000000 | // CLONE_NEWUSER
	0x20000000 | // CLONE_NEWPID
	0x40000000 // CLONE_NEWNET

// ioctl commands refused.
const (
	tiocsti   = 0x5412
	tioclinux = 0x541C
)

// socket families refused.
const (
	afALG   = 38
	afVsock = 40
)

// personality values allowed.
const (
	perLinux         = 0x0
	personalityQuery = 0xffffffff
)
