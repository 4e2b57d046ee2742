// Package policy owns Cordon's policy: the model of one YAML file that says
// what a script may use (limits, filesystem, network, environment, analysis,
// audit, runtime and which isolation layers may degrade), the built-in
// default (builtin:default; builtin:strict is a stricter profile), loading with file:line:column in every error, merging through
// `extends`, validation, the JSON Schema, and the matchers (paths, domains,
// ports, addresses) that later layers use to decide.
//
// Start with [Default] for the built-in policy or [Load] for a file; both give
// an effective [Policy] whose fields are all set.
package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cordonsec/cordon/layers"
)

// Policy is one effective policy. The zero value is not useful: start from
// [Default] or [Load].
type Policy struct {
	// Extends names a parent: a file path (relative to this file's folder) or
	// a built-in profile ("builtin:default", "builtin:strict", ...).
	Extends     string      `yaml:"extends,omitempty" json:"extends,omitempty"`
	Limits      Limits      `yaml:"limits" json:"limits"`
	Filesystem  Filesystem  `yaml:"filesystem" json:"filesystem"`
	Network     Network     `yaml:"network" json:"network"`
	Environment Environment `yaml:"environment" json:"environment"`
	Analysis    Analysis    `yaml:"analysis" json:"analysis"`
	Audit       Audit       `yaml:"audit" json:"audit"`
	Runtime     Runtime     `yaml:"runtime" json:"runtime"`
	Isolation   Isolation   `yaml:"isolation" json:"isolation"`
	Outputs     Outputs     `yaml:"outputs" json:"outputs"`

	// Source is the file this policy was loaded from ("" for built-ins).
	Source string `yaml:"-" json:"-"`

	// origin says where each field was set (field path -> file position),
	// so validation names the line a value came from; nil for built-ins.
	origin map[string]Pos
}

// Limits bounds the resources of one run. Every field is positive in an
// effective policy.
type Limits struct {
	WallTime  Duration `yaml:"wall_time" json:"wall_time"`   // whole run, wall clock
	CPUTime   Duration `yaml:"cpu_time" json:"cpu_time"`     // user+sys CPU of the whole tree
	Memory    Size     `yaml:"memory" json:"memory"`         // resident memory of the whole tree, no swap
	Processes int      `yaml:"processes" json:"processes"`   // tasks (processes and threads) at once
	FileSize  Size     `yaml:"file_size" json:"file_size"`   // largest file the script may write
	OpenFiles int      `yaml:"open_files" json:"open_files"` // file descriptors per process
	Output    Size     `yaml:"output" json:"output"`         // bytes kept of stdout and of stderr, each
	Tmp       Size     `yaml:"tmp" json:"tmp"`               // size of the private /tmp (and /dev/shm)
}

// Filesystem lists host paths visible in the sandbox besides the work dir and
// the interpreter's runtime. Deny wins over both allow lists. Paths in an
// effective policy are absolute and canonical.
type Filesystem struct {
	ReadOnly  []string `yaml:"read_only" json:"read_only"`
	ReadWrite []string `yaml:"read_write" json:"read_write"`
	Deny      []string `yaml:"deny" json:"deny"`
	// ReadOnlyMode says how ReadOnly paths reach the sandbox: bound (the
	// host's files themselves, zero-copy; "" is bind) or copied into a
	// read-only tmpfs inside, where the script's locks and reads cannot
	// touch the host's files.
	ReadOnlyMode ReadOnlyMode `yaml:"read_only_mode,omitempty" json:"read_only_mode,omitempty"`
}

// ReadOnlyMode says how filesystem.read_only paths reach the sandbox.
type ReadOnlyMode string

const (
	// ReadOnlyBind binds the host's files read-only (the default, also
	// spelled ""): zero-copy, but flock/fcntl locks the script takes on
	// them are the host's locks.
	ReadOnlyBind ReadOnlyMode = "bind"
	// ReadOnlyCopy copies the paths into a read-only tmpfs inside the
	// sandbox when it is built, at most limits.tmp in all: nothing the
	// script does to them reaches the host.
	ReadOnlyCopy ReadOnlyMode = "copy"
)

// ReadOnlyModes lists the valid modes, for validation and the schema.
var ReadOnlyModes = []ReadOnlyMode{ReadOnlyBind, ReadOnlyCopy}

func (m ReadOnlyMode) String() string {
	if m == "" {
		return string(ReadOnlyBind)
	}
	return string(m)
}

// Copy reports whether the mode is copy.
func (m ReadOnlyMode) Copy() bool { return m == ReadOnlyCopy }

// NetworkMode says how the sandbox may reach the network.
type NetworkMode string

const (
	// NetworkNone gives the sandbox a network namespace with loopback only.
	NetworkNone NetworkMode = "none"
	// NetworkAllowlist routes every connection through the host-side egress
	// proxy, which allows only the listed domains, ports and CIDRs.
	NetworkAllowlist NetworkMode = "allowlist"
	// NetworkHost shares the host's network. Unsafe: it needs UnsafeHost.
	NetworkHost NetworkMode = "host"
)

// NetworkModes lists the valid modes, for validation and the schema.
var NetworkModes = []NetworkMode{NetworkNone, NetworkAllowlist, NetworkHost}

func (m NetworkMode) String() string { return string(m) }

// Set parses s as a mode, for flags.
func (m *NetworkMode) Set(s string) error {
	for _, v := range NetworkModes {
		if string(v) == s {
			*m = v
			return nil
		}
	}
	return fmt.Errorf("unknown network mode %q (valid: none, allowlist, host)", s)
}

// Network is the network policy. An empty allow list allows nothing.
type Network struct {
	Mode NetworkMode `yaml:"mode" json:"mode"`
	// UnsafeHost must be true for Mode host: sharing the host network is
	// no isolation at all, and saying so must be explicit.
	UnsafeHost bool `yaml:"unsafe_host" json:"unsafe_host"`
	// AllowBind lets a script in mode host bind TCP ports (run a server
	// on the host's network). In modes none and allowlist binding is
	// always allowed: the sandbox's own network namespace has only its
	// loopback, which nobody else can reach.
	AllowBind bool `yaml:"allow_bind" json:"allow_bind"`
	// Domains are exact names ("api.example.com") or one leading wildcard
	// label ("*.example.com", which matches sub-domains but not the apex),
	// each optionally with a port ("api.example.com:443") that then
	// replaces Ports for that domain.
	Domains []string `yaml:"domains" json:"domains"`
	// Ports allowed for domains that name no port of their own.
	Ports []int `yaml:"ports" json:"ports"`
	// CIDRs allow IP literals and resolved addresses in these ranges,
	// including private ones that are otherwise refused.
	CIDRs []string `yaml:"cidrs" json:"cidrs"`
	// Per-run egress limits (allowlist mode).
	MaxConnections int      `yaml:"max_connections" json:"max_connections"`
	MaxBytesOut    Size     `yaml:"max_bytes_out" json:"max_bytes_out"`
	MaxBytesIn     Size     `yaml:"max_bytes_in" json:"max_bytes_in"`
	ConnectionTime Duration `yaml:"connection_time" json:"connection_time"`
}

// Environment says which variables the script sees, besides the fixed PATH,
// HOME and LANG.
type Environment struct {
	// Pass names host variables copied in when they are set.
	Pass []string `yaml:"pass" json:"pass"`
	// Set gives variables fixed values.
	Set map[string]string `yaml:"set" json:"set"`
}

// Severity orders analysis findings.
type Severity string

const (
	SeverityLow    Severity = "low"
	SeverityMedium Severity = "medium"
	SeverityHigh   Severity = "high"
	// SeverityOff as a block threshold never blocks.
	SeverityOff Severity = "off"
)

// Rank orders severities: off < low < medium < high. Unknown is -1.
func (s Severity) Rank() int {
	switch s {
	case SeverityOff:
		return 0
	case SeverityLow:
		return 1
	case SeverityMedium:
		return 2
	case SeverityHigh:
		return 3
	}
	return -1
}

func (s Severity) String() string { return string(s) }

// Set parses s as a severity, for flags.
func (s *Severity) Set(v string) error {
	if Severity(v).Rank() < 0 {
		return fmt.Errorf("unknown severity %q (valid: low, medium, high, off)", v)
	}
	*s = Severity(v)
	return nil
}

// Analysis configures static analysis before a run.
type Analysis struct {
	// Block refuses a run with a finding at or above this severity; "off"
	// analyses and reports but never blocks.
	Block Severity `yaml:"block" json:"block"`
	// Allow waives rule ids, everywhere or for matching script paths.
	Allow []RuleAllow `yaml:"allow" json:"allow"`
}

// RuleAllow waives one rule id, for all scripts (Paths empty) or for scripts
// whose path matches one of the globs (path.Match syntax, against the path
// as given and against its base name).
type RuleAllow struct {
	Rule  string   `yaml:"rule" json:"rule"`
	Paths []string `yaml:"paths,omitempty" json:"paths,omitempty"`
}

// FsyncMode says when the audit log is flushed to disk.
type FsyncMode string

const (
	// FsyncRecord syncs after every record.
	FsyncRecord FsyncMode = "record"
	// FsyncGroup syncs records in groups (at most a short interval apart
	// and always before a run's start record is acknowledged).
	FsyncGroup FsyncMode = "group"
)

// Audit configures the tamper-evident log.
type Audit struct {
	Enabled bool `yaml:"enabled" json:"enabled"`
	// Dir holds the log; "" means the per-user state dir
	// (/var/lib/cordon/audit for root).
	Dir string `yaml:"dir" json:"dir"`
	// SigningKey is the Ed25519 note signing key file for checkpoints;
	// "" means <Dir>/checkpoint.key, created on first use.
	SigningKey string    `yaml:"signing_key" json:"signing_key"`
	Fsync      FsyncMode `yaml:"fsync" json:"fsync"`
	// Witness is a second place each checkpoint is copied to: a directory,
	// or "exec:COMMAND" that receives it on stdin.
	Witness string `yaml:"witness,omitempty" json:"witness,omitempty"`
	// A checkpoint is signed after this many records or this long since
	// the last one, whichever comes first.
	CheckpointEvery    int      `yaml:"checkpoint_every" json:"checkpoint_every"`
	CheckpointInterval Duration `yaml:"checkpoint_interval" json:"checkpoint_interval"`
	// Segments rotate at this size or age.
	RotateSize Size     `yaml:"rotate_size" json:"rotate_size"`
	RotateAge  Duration `yaml:"rotate_age" json:"rotate_age"`
}

// Runtime is the interpreter a script runs under.
type Runtime struct {
	// Interpreter is a name looked up on PATH or an absolute path; a shim
	// (pyenv) is resolved to the real binary before use.
	Interpreter string `yaml:"interpreter" json:"interpreter"`
	// Venv, when set, is a virtual environment the script runs in: its
	// interpreter (bin/python3) replaces Interpreter, and its
	// site-packages are visible read-only. Relative to the policy file's
	// folder; canonical in an effective policy.
	Venv string `yaml:"venv,omitempty" json:"venv,omitempty"`
	// Args go before the script path.
	Args []string `yaml:"args" json:"args"`
	// Tools are programs the script may run (subprocess): names looked
	// up on the sandbox's PATH (/usr/local/bin:/usr/bin:/bin) on the host,
	// or absolute paths. Each is bound read-only at the same place with
	// the shared libraries it loads. None by default.
	Tools []string `yaml:"tools" json:"tools"`
}

// Program is the interpreter the sandbox runs: the venv's bin/python3
// (bin/python when only that exists) when Venv is set, else Interpreter.
func (r Runtime) Program() string {
	if r.Venv == "" {
		return r.Interpreter
	}
	p := filepath.Join(r.Venv, "bin", "python3")
	if _, err := os.Stat(p); err != nil {
		if alt := filepath.Join(r.Venv, "bin", "python"); fileExists(alt) {
			return alt
		}
	}
	return p
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Layer names an isolation layer, as reported in results and audit
// records: package layers holds the one list, shared with the sandbox.
type Layer = layers.Name

// The isolation layers. Results and doctor report each one.
const (
	LayerUserNS     = layers.UserNS
	LayerPIDNS      = layers.PIDNS
	LayerMountNS    = layers.MountNS
	LayerNetNS      = layers.NetNS
	LayerIPCNS      = layers.IPCNS
	LayerUTSNS      = layers.UTSNS
	LayerCgroupNS   = layers.CgroupNS
	LayerRootfs     = layers.Rootfs
	LayerNoNewPrivs = layers.NoNewPrivs
	LayerCaps       = layers.Caps
	LayerSeccomp    = layers.Seccomp
	LayerLandlock   = layers.Landlock
	LayerCgroup     = layers.Cgroup
	LayerRlimits    = layers.Rlimits
	LayerNetwork    = layers.Network
	LayerAnalysis   = layers.Analysis
	LayerAudit      = layers.Audit
)

// Layers lists every layer in report order.
var Layers = layers.All

// Isolation says which layers may run degraded (weaker than asked, e.g.
// rlimits instead of cgroups for an unprivileged user) instead of refusing
// the run.
type Isolation struct {
	AllowDegraded []Layer `yaml:"allow_degraded" json:"allow_degraded"`
	// AllowSyscalls turns on optional syscall groups the filter refuses
	// by default (SyscallGroups).
	AllowSyscalls []string `yaml:"allow_syscalls" json:"allow_syscalls"`
	// Refusals says, per class of refused system call, what a refusal
	// does to the run (refusals.go).
	Refusals Refusals `yaml:"refusals" json:"refusals"`
}

// SyscallGroups are the optional syscall groups isolation.allow_syscalls
// may name: "aio" (legacy AIO: io_setup, io_submit, ..., which take
// events from the host-wide fs.aio-max-nr), "memfd" (memfd_create:
// anonymous files are executable and outside the tmpfs bounds) and
// "sysvshm" (shmget, shmat, ...: outside the tmpfs bounds and the
// degraded memory limit). Python needs none of them.
var SyscallGroups = []string{"aio", "memfd", "sysvshm"}

// MayDegrade reports whether the policy lets layer l degrade.
func (i Isolation) MayDegrade(l Layer) bool {
	for _, d := range i.AllowDegraded {
		if d == l {
			return true
		}
	}
	return false
}

// Duration is a time.Duration written in Go's units ("10s", "1m30s",
// "250ms").
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String is Go's form without zero tails: 5m, 24h, 1h30m, 1m30s, 250ms.
func (d Duration) String() string {
	s := time.Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// MarshalJSON writes the human form ("10s").
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// MarshalYAML writes the human form ("10s").
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// Size is a byte count written with a binary or decimal unit ("256MiB",
// "1GiB", "64KiB", "10MB", "512").
type Size int64

func (s Size) String() string { return FormatSize(int64(s)) }

// MarshalJSON writes the human form ("256MiB").
func (s Size) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// MarshalYAML writes the human form ("256MiB").
func (s Size) MarshalYAML() (any, error) { return s.String(), nil }

// FormatSize writes n bytes with the largest binary unit that divides it.
func FormatSize(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for n != 0 && n%1024 == 0 && i < len(units)-1 {
		n /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%d", n)
	}
	return fmt.Sprintf("%d%s", n, units[i])
}

// Hash is the SHA-256 of the policy's canonical JSON form: equal effective
// policies hash equal. Audit records carry it.
func (p *Policy) Hash() string {
	b, err := json.Marshal(p)
	if err != nil {
		// Every field marshals; a failure is a programming error.
		panic(fmt.Sprintf("policy: hash: %v", err))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
