package interp

// System files outside the interpreter's prefix that Python reads at run
// time. Each is bound only when present, and each has its reason:
//
//   - /etc/localtime and /usr/share/zoneinfo: time.localtime() and the
//     zoneinfo module read them; without them every script sees UTC and
//     ZoneInfo("Europe/Paris") fails. Time zone data is public.
//   - /etc/ssl/certs, /usr/share/ca-certificates and /etc/ssl/openssl.cnf
//     (with Debian's /usr/lib/ssl links to them): ssl.create_default_context()
//     loads the CA bundle from OpenSSL's default paths; without it every
//     HTTPS request through the egress proxy fails verification. The
//     config carries the host's minimum TLS security level. CA
//     certificates are public; /etc/ssl/private is never bound.
//   - /usr/lib/locale/C.utf8: LANG=C.UTF-8 (the sandbox's fixed LANG) is
//     built into glibc 2.35 and later, but older glibc loads it from here.
//   - /etc/services and /etc/protocols: socket.getservbyname("http") and
//     getprotobyname("tcp") read them; they hold only public numbers.
//   - /sbin/ldconfig and /etc/ld.so.cache: ctypes.util.find_library("c")
//     runs `/sbin/ldconfig -p`, which prints the loader's cache. glibc's
//     ldconfig is a static binary; without root and with a read-only root
//     it can only read. The cache lists host library names, which the
//     loader reads anyway.
//
// Left out on purpose:
//
//   - the host's /etc/passwd, /etc/group, /etc/shadow: host user names are
//     none of the script's business. The sandbox gets its own passwd,
//     group, hosts and nsswitch.conf naming only its user and localhost
//     (package sandbox writes them).
//   - /etc/resolv.conf: name resolution is the network policy's concern
//     (the egress proxy resolves names itself).
//   - /usr/lib/x86_64-linux-gnu/gconv: Python does its own codecs and
//     never calls iconv.
var systemFiles = []string{
	"/etc/localtime",
	"/usr/share/zoneinfo",
	"/etc/ssl/certs",
	"/usr/share/ca-certificates",
	"/etc/ssl/openssl.cnf",
	"/usr/lib/ssl/certs",
	"/usr/lib/ssl/cert.pem",
	"/usr/lib/ssl/openssl.cnf",
	"/usr/lib/locale/C.utf8",
	"/etc/services",
	"/etc/protocols",
	"/sbin/ldconfig",
	"/etc/ld.so.cache",
}

// dlopenedLibraries are loaded by glibc at run time, never named in a
// DT_NEEDED entry, so the dependency walk cannot see them:
//
//   - libgcc_s.so.1: pthread_exit and thread cancellation unwind the stack
//     with it. A daemon thread still running when the interpreter exits is
//     ended that way; without the library glibc prints "libgcc_s.so.1 must
//     be installed for pthread_exit to work" and aborts the process.
//
// Each is added with its own dependencies when the host has it.
var dlopenedLibraries = []string{"libgcc_s.so.1"}

// skippedModules are extension modules in lib-dynload left out of the
// library closure, with the reason. A sandbox has no display, so Tk would
// fail at Tk() anyway; its X11 and font libraries would add two dozen
// binds to every run.
var skippedModules = map[string]string{
	"_tkinter": "needs a display, which a sandbox never has",
}
