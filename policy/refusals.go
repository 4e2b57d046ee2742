package policy

// What a refused system call does to the run. The seccomp filter refuses
// the same calls whatever the policy says — the call fails, and every
// refusal is an event and in the audit log — but a refusal a script
// expected and handled (a library probing whether it may set the clock,
// a test suite trying chroot) is no attack, and an operator drowning in
// false violations stops reading them. So each class of refused calls
// has an action:
//
//   - kill: the run is ended at once, status security-violation;
//   - violation: the run goes on, its status is security-violation;
//   - record: the run goes on; the refusal is only recorded.
//
// The default keeps every call that escapes or weakens the sandbox, or
// reaches the kernel's riskiest code, marking the run, and records the
// harmless probes (the clock, the host name, chroot inside the sandbox,
// unusual socket families, calls the filter does not know).

import "reflect"

// RefusalAction is what a refusal of one class does to the run.
type RefusalAction string

const (
	RefusalKill      RefusalAction = "kill"
	RefusalViolation RefusalAction = "violation"
	RefusalRecord    RefusalAction = "record"
)

// RefusalActions lists the actions, from the strictest.
var RefusalActions = []RefusalAction{RefusalKill, RefusalViolation, RefusalRecord}

func (a RefusalAction) String() string { return string(a) }

// rank orders actions: a higher rank is stricter.
func (a RefusalAction) rank() int {
	switch a {
	case RefusalKill:
		return 2
	case RefusalViolation:
		return 1
	}
	return 0
}

// Refusals gives each class of refused system calls its action. The
// field names (YAML keys) are the classes package seccomp reports.
type Refusals struct {
	// ptrace, process_vm_readv/writev, pidfd_getfd, kcmp.
	Process RefusalAction `yaml:"process" json:"process"`
	// mount, umount2, the new mount API, mount_setattr, pivot_root.
	Mount RefusalAction `yaml:"mount" json:"mount"`
	// unshare, setns, clone with CLONE_NEW* flags.
	Namespace RefusalAction `yaml:"namespace" json:"namespace"`
	// Kernel modules, kexec, bpf, perf_event_open, userfaultfd, io_uring,
	// iopl/ioperm, syslog, fanotify, reboot, swap, acct, quotas, LSM
	// attributes, obsolete entry points.
	Kernel RefusalAction `yaml:"kernel" json:"kernel"`
	// keyctl, add_key, request_key.
	Keyring RefusalAction `yaml:"keyring" json:"keyring"`
	// open_by_handle_at, name_to_handle_at.
	FileHandle RefusalAction `yaml:"file_handle" json:"file_handle"`
	// seccomp, landlock_*: the sandbox's own layers are final.
	Sandbox RefusalAction `yaml:"sandbox" json:"sandbox"`
	// ioctl TIOCSTI and TIOCLINUX, vhangup.
	Terminal RefusalAction `yaml:"terminal" json:"terminal"`
	// Another ABI (i386 on x86_64, x32), unsafe personality flags.
	ABI RefusalAction `yaml:"abi" json:"abi"`
	// settimeofday, clock_settime, clock_adjtime, adjtimex.
	Clock RefusalAction `yaml:"clock" json:"clock"`
	// sethostname, setdomainname (the UTS namespace is private).
	Hostname RefusalAction `yaml:"hostname" json:"hostname"`
	// chroot (inside the sandbox's own root).
	Chroot RefusalAction `yaml:"chroot" json:"chroot"`
	// socket families the filter refuses (AF_ALG, AF_VSOCK).
	Socket RefusalAction `yaml:"socket" json:"socket"`
	// Sending SIGXCPU or SIGXFSZ, which only the kernel's limits may.
	Signal RefusalAction `yaml:"signal" json:"signal"`
	// Limits or scheduling of another process than the caller.
	OtherProcess RefusalAction `yaml:"other_process" json:"other_process"`
	// Calls not on the allow-list (new or unknown; answered ENOSYS).
	Unknown RefusalAction `yaml:"unknown" json:"unknown"`
}

// DefaultRefusals is the built-in decision per class.
func DefaultRefusals() Refusals {
	return Refusals{
		Process: RefusalViolation, Mount: RefusalViolation, Namespace: RefusalViolation,
		Kernel: RefusalViolation, Keyring: RefusalViolation, FileHandle: RefusalViolation,
		Sandbox: RefusalViolation, Terminal: RefusalViolation, ABI: RefusalViolation,
		Clock: RefusalRecord, Hostname: RefusalRecord, Chroot: RefusalRecord,
		Socket: RefusalRecord, Signal: RefusalRecord, OtherProcess: RefusalRecord,
		Unknown: RefusalRecord,
	}
}

// RefusalClasses lists the classes (the YAML keys of Refusals), in order.
func RefusalClasses() []string {
	t := reflect.TypeFor[Refusals]()
	out := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		out = append(out, yamlName(t.Field(i)))
	}
	return out
}

// Action returns the action for class; an unknown class is treated as a
// violation (a class the policy cannot name is not known to be harmless).
func (r Refusals) Action(class string) RefusalAction {
	v := reflect.ValueOf(r)
	t := v.Type()
	for i := range t.NumField() {
		if yamlName(t.Field(i)) == class {
			if a := RefusalAction(v.Field(i).String()); a != "" {
				return a
			}
		}
	}
	return RefusalViolation
}

// each calls fn with every class and its action.
func (r Refusals) each(fn func(class string, a RefusalAction)) {
	v := reflect.ValueOf(r)
	t := v.Type()
	for i := range t.NumField() {
		fn(yamlName(t.Field(i)), RefusalAction(v.Field(i).String()))
	}
}
