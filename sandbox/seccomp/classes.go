package seccomp

// Classes of refused calls. The filter refuses the same calls whatever the
// class; the class lets the policy (isolation.refusals) decide what a
// refusal does to the run: end it, mark it a security violation, or only
// record it. The names are the policy's keys.

// Refusal classes.
const (
	ClassProcess      = "process"       // ptrace and other ways into another process
	ClassMount        = "mount"         // the mount table and the root
	ClassNamespace    = "namespace"     // new or other namespaces
	ClassKernel       = "kernel"        // modules, kexec, bpf, io_uring and other kernel surface
	ClassKeyring      = "keyring"       // kernel keyrings (not namespaced)
	ClassFileHandle   = "file_handle"   // open_by_handle_at and its pair
	ClassSandbox      = "sandbox"       // the sandbox's own seccomp and Landlock layers
	ClassTerminal     = "terminal"      // terminal injection and hang-up
	ClassABI          = "abi"           // another ABI, unsafe personality
	ClassClock        = "clock"         // setting the clock
	ClassHostname     = "hostname"      // setting the host or domain name
	ClassChroot       = "chroot"        // chroot
	ClassSocket       = "socket"        // refused socket families
	ClassSignal       = "signal"        // SIGXCPU/SIGXFSZ, which only the kernel may send
	ClassOtherProcess = "other_process" // limits or scheduling of another process
	ClassUnknown      = "unknown"       // not on the allow-list
)

// Classes lists every class a refusal can have.
var Classes = []string{ClassProcess, ClassMount, ClassNamespace, ClassKernel, ClassKeyring,
	ClassFileHandle, ClassSandbox, ClassTerminal, ClassABI, ClassClock, ClassHostname,
	ClassChroot, ClassSocket, ClassSignal, ClassOtherProcess, ClassUnknown}

// deniedClass is the class of each call on the denied list; a denied call
// not listed here is ClassKernel.
var deniedClass = map[string]string{
	"ptrace": ClassProcess, "process_vm_readv": ClassProcess, "process_vm_writev": ClassProcess,
	"pidfd_getfd": ClassProcess, "kcmp": ClassProcess,
	"mount": ClassMount, "umount2": ClassMount, "fsopen": ClassMount, "fsconfig": ClassMount,
	"fsmount": ClassMount, "move_mount": ClassMount, "open_tree": ClassMount,
	"open_tree_attr": ClassMount, "fspick": ClassMount, "mount_setattr": ClassMount,
	"pivot_root": ClassMount,
	"chroot":     ClassChroot,
	"unshare":    ClassNamespace, "setns": ClassNamespace,
	"keyctl": ClassKeyring, "add_key": ClassKeyring, "request_key": ClassKeyring,
	"open_by_handle_at": ClassFileHandle, "name_to_handle_at": ClassFileHandle,
	"settimeofday": ClassClock, "clock_settime": ClassClock, "clock_adjtime": ClassClock,
	"adjtimex":    ClassClock,
	"sethostname": ClassHostname, "setdomainname": ClassHostname,
	"vhangup": ClassTerminal,
	"seccomp": ClassSandbox, "landlock_create_ruleset": ClassSandbox,
	"landlock_add_rule": ClassSandbox, "landlock_restrict_self": ClassSandbox,
}

// classOf returns the class of a classified refusal.
func classOf(r Refusal) string {
	switch r.Kind {
	case KindCloneNS:
		return ClassNamespace
	case KindIoctl:
		return ClassTerminal
	case KindPersonality, KindForeignArch, KindX32:
		return ClassABI
	case KindSocket:
		return ClassSocket
	case KindSignal:
		return ClassSignal
	case KindOtherPid:
		return ClassOtherProcess
	case KindNotAllowed:
		return ClassUnknown
	}
	if c, ok := deniedClass[r.Name]; ok {
		return c
	}
	return ClassKernel
}
