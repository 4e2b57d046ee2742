package sandbox

import (
	"errors"

	"github.com/cordonsec/cordon/sandbox/cgroup"
)

// Spec is everything the stage-2 init needs to build a sandbox before its
// task is known. Paths are absolute host paths, canonical (no symlink in any
// component).
type Spec struct {
	// ReadOnly are bound read-only at the same place inside.
	ReadOnly []string `json:"read_only"`
	// ReadWrite are bound writable at the same place inside.
	ReadWrite []string `json:"read_write"`
	// Masks are paths inside the binds that the script must not reach
	// (filesystem.deny): each is covered by an empty, unreadable,
	// read-only mount — a tmpfs of mode 000 over a folder, a device node
	// on a nodev mount over anything else — and gets no Landlock right.
	// A mask that does not exist is left out of the mounts; Landlock
	// still keeps the script from creating it.
	Masks []string `json:"masks,omitempty"`
	// Symlinks are created inside (merged-/usr links, the interpreter's
	// PT_INTERP path), in order.
	Symlinks []Symlink `json:"symlinks"`
	// TmpSize bounds /tmp and /dev/shm (each); WorkSize the work dir.
	TmpSize  int64 `json:"tmp_size"`
	WorkSize int64 `json:"work_size"`
	// ScratchSize, when set, replaces the three: the work dir, /tmp and
	// /dev/shm are folders of one tmpfs of ScratchSize bytes (with the
	// files of a TmpSize tmpfs), so what the script writes in all of them
	// together is bounded — without a memory cgroup nothing else counts
	// tmpfs pages against the memory limit.
	ScratchSize int64 `json:"scratch_size,omitempty"`
	// Copies are ReadOnly paths copied into a read-only tmpfs inside
	// instead of bound (filesystem.read_only_mode copy): the script's
	// locks and reads never touch the host's files. CopySize bounds the
	// bytes copied in all (the file data; the build fails beyond it).
	// A file the init may not read is copied as an empty file of mode
	// 000, as the bind would have shown it unreadable.
	Copies   []string `json:"copies,omitempty"`
	CopySize int64    `json:"copy_size,omitempty"`
	// SysVShm, when set, bounds the SysV shared memory of the sandbox's
	// IPC namespace (kernel.shmmax, shmall, shmmni), written by the
	// supervisor from inside that namespace before the init builds
	// anything. Only root can: the sysctls may be written only by the
	// uid that is root of the namespace's owning user namespace (host
	// root, as the sandbox maps no uid 0), capabilities do not count.
	SysVShm *SysVShm `json:"-"`
	// Landlock repeats the file-system view with a Landlock ruleset.
	Landlock bool `json:"landlock"`
	// Seccomp installs the system call filter, with refusals reported to
	// the supervisor through its listener ([Sandbox.Listener]).
	Seccomp bool `json:"seccomp"`
	// Syscalls are the optional syscall groups the filter allows
	// (seccomp.OptionalGroups: "aio", "memfd", "sysvshm"); off by default.
	Syscalls []string `json:"syscalls,omitempty"`
	// ProxyPort, when set, is the port of the egress proxy inside: the
	// init listens on 127.0.0.1:ProxyPort in the sandbox's network
	// namespace and hands the listening socket to the supervisor
	// ([Sandbox.ProxySocket]). The namespace has only lo, so TCP there
	// reaches the proxy and the script's own servers, nothing else.
	ProxyPort int `json:"proxy_port,omitempty"`
	// HostNetwork shares the host's network namespace (network mode host,
	// which the policy must call unsafe): no namespace, no TCP rules.
	HostNetwork bool `json:"host_network,omitempty"`
	// BindTCP lets the interpreter bind TCP ports with HostNetwork
	// (Landlock refuses it otherwise). In the sandbox's own network
	// namespace binding is always allowed: only its loopback is there.
	BindTCP bool `json:"bind_tcp,omitempty"`
	// Detached says the bind sources arrive as detached mounts
	// (open_tree clones) rather than being opened by the init.
	Detached bool `json:"detached"`
	// Warm, when set, starts the interpreter as soon as the sandbox is
	// built and placed, before the task is known (a warm pool): it
	// imports site and Warm.Preload, then waits for its job on a socket
	// the task is written to. See warm_linux.go.
	Warm *Warm `json:"warm,omitempty"`
	// Rlimits are applied to the interpreter right before execve.
	// RLIMIT_NPROC counts every task of the sandbox uid, the init's own
	// threads included: the init adds its thread count at the fork, so
	// the value given is what the script may use.
	Rlimits []Rlimit `json:"rlimits"`

	// Host side only (not sent to the init).

	// Init, when set, is the host path of the binary run as the stage-2
	// init: a build of cmd/cordon-init, which imports this package and
	// nothing heavy, so the init's start skips the package inits and page
	// faults of the full binary. Empty: the running binary is re-executed
	// (/proc/self/exe). The init reports its BuildID (protocol and Go
	// version); a mismatch is refused (SetupError, layer userns).
	Init string `json:"-"`
	// HostUID and HostGID are what the sandbox uid maps to; -1 picks the
	// default: the caller's own ids, or for root a uid leased for the run
	// from [HostUIDBase, HostUIDBase+HostUIDCount) with gid
	// [DefaultHostID] (hostid_linux.go).
	HostUID int `json:"-"`
	HostGID int `json:"-"`
	// Cgroup, when set, is the run's cgroup: the sandbox owns it from
	// Start on (destroyed by Close, or by Start when it fails). The init
	// is born in it (clone3 CLONE_INTO_CGROUP, pure v2, when the
	// supervisor itself creates the namespace) or placed in it while it
	// builds its root; either way before the interpreter may fork.
	Cgroup *cgroup.Group `json:"-"`
	// Pids is the tasks the script may have at once in Cgroup: the
	// group's pids.max becomes Pids plus the init's own threads once the
	// init reports them (until then the group's own limit holds).
	Pids int64 `json:"-"`
	// The interpreter's stdin, stdout and stderr are pipes the sandbox
	// makes: [Sandbox.Stdin], [Sandbox.Stdout], [Sandbox.Stderr].
}

// SysVShm bounds a sandbox's SysV shared memory: Bytes in all segments
// together (shmall, and shmmax for one) and at most Segments of them.
type SysVShm struct {
	Bytes    int64
	Segments int
}

// Symlink is a link to create inside the sandbox.
type Symlink struct {
	Path   string `json:"path"`
	Target string `json:"target"`
}

// Rlimit is one resource limit (a RLIMIT_* number and its soft and hard
// values).
type Rlimit struct {
	Resource int    `json:"resource"`
	Cur      uint64 `json:"cur"`
	Max      uint64 `json:"max"`
}

// Warm is how a warm sandbox starts its interpreter ahead of the job.
type Warm struct {
	// Argv is the interpreter and its arguments (runtime.args); the
	// init appends the trampoline ("-c", its code, the job socket's fd,
	// the preload modules).
	Argv []string `json:"argv"`
	// Env is the interpreter's environment while it waits: the policy's
	// (the job's own replaces it in os.environ at hand-over).
	Env []string `json:"env"`
	// Preload are modules imported before the job arrives.
	Preload []string `json:"preload,omitempty"`
}

// Task is the job handed to a prepared sandbox.
type Task struct {
	// Script and Args are the script's path inside and its arguments,
	// and Unbuffered asks for python -u's unbuffered streams: what a
	// warm sandbox's waiting interpreter needs (Argv is then the command
	// line a cold run would have had: sys.orig_argv).
	Script     string   `json:"script,omitempty"`
	Args       []string `json:"args,omitempty"`
	Unbuffered bool     `json:"unbuffered,omitempty"`

	// Argv is the interpreter's argv; Argv[0] is the path executed.
	Argv []string `json:"argv"`
	// Env is the complete environment.
	Env []string `json:"env"`
	// Files are the names (in the work dir) of the files passed to Run,
	// in the same order.
	Files []string `json:"files"`
}

// Inside ids of the sandbox: the interpreter runs as this non-root uid and
// gid. The init has the same ids, with ambient capabilities it never hands
// on.
const (
	UID = 1000
	GID = 1000
)

// DefaultHostID is the host gid every sandbox of root maps to (and the
// base of the uids leased to them): an unprivileged id no account uses,
// never 0.
const DefaultHostID = 0x6f000000

// Paths inside the sandbox.
const (
	WorkDir = "/work"
	HomeDir = "/work"
)

// Errors callers branch on.
var (
	// ErrSetup: the sandbox could not be built; the wrapped error names the
	// step (and through it the layer).
	ErrSetup = errors.New("sandbox setup failed")
	// ErrUnsupported is returned on systems other than Linux.
	ErrUnsupported = errors.ErrUnsupported
)
