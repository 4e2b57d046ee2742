package policy

import (
	"encoding/json"
	"fmt"
	"reflect"
)

// Patterns for units, shared by the schema and its tests.
const (
	sizePattern     = `^[0-9]+(B|KiB|MiB|GiB|TiB|KB|MB|GB|TB)?$`
	durationPattern = `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	envNamePattern  = `^[A-Za-z_][A-Za-z0-9_]*$`
)

// descriptions documents every field; the schema is built from the Go
// model by reflection, and a test fails if a field has no description.
var descriptions = map[string]string{
	"":                                 "A Cordon policy: what a script may use. Every field is optional; unset fields come from the parent named in extends.",
	"extends":                          "Parent policy: a file path relative to this file's folder, or builtin:default, builtin:strict, builtin:network-allowlist.",
	"limits":                           "Resource limits of one run.",
	"limits.wall_time":                 "Whole run, wall clock (Go duration: 250ms, 10s, 1m30s). At most 24h.",
	"limits.cpu_time":                  "User+system CPU time of the whole process tree; at most wall_time.",
	"limits.memory":                    "Resident memory of the whole tree, no swap (256MiB, 1GiB). At least 4MiB.",
	"limits.processes":                 "Processes and threads at once.",
	"limits.file_size":                 "Largest file the script may write.",
	"limits.open_files":                "File descriptors per process (at least 3).",
	"limits.output":                    "Bytes kept of stdout and of stderr, each.",
	"limits.tmp":                       "Size of the private /tmp and /dev/shm; counts against memory.",
	"filesystem":                       "Host paths visible in the sandbox besides the work dir and the interpreter. Deny wins.",
	"filesystem.read_only":             "Paths visible read-only. Must exist; no '..'; no symlinks; relative to the policy file's folder.",
	"filesystem.read_write":            "Paths visible read-write. Must exist; no '..'; no symlinks.",
	"filesystem.deny":                  "Paths never visible, even inside an allowed path. Accumulates through extends.",
	"filesystem.read_only_mode":        "bind (default): read_only paths are the host's files, bound zero-copy (the script's flock/fcntl locks on them are the host's); copy: copied into a read-only tmpfs inside when the sandbox is built, at most limits.tmp in all.",
	"network":                          "Network access.",
	"network.mode":                     "none: loopback only; allowlist: through the egress proxy to listed destinations; host: the host's network (needs unsafe_host).",
	"network.unsafe_host":              "Must be true for mode host, which is no isolation at all.",
	"network.allow_bind":               "Mode host: let the script bind TCP ports (run servers on the host's network). Modes none and allowlist always allow binding on the sandbox's own loopback.",
	"network.domains":                  "Allowed names: exact (api.example.com) or *.example.com (sub-domains, not the apex), optionally :PORT.",
	"network.ports":                    "Ports allowed for domains that name no port.",
	"network.cidrs":                    "Allowed address ranges (10.0.0.0/8, 2001:db8::/32), including private ones.",
	"network.max_connections":          "Connections per run (allowlist mode).",
	"network.max_bytes_out":            "Bytes sent per run (allowlist mode).",
	"network.max_bytes_in":             "Bytes received per run (allowlist mode).",
	"network.connection_time":          "Longest life of one connection (allowlist mode).",
	"environment":                      "Environment variables besides the fixed PATH, HOME and LANG.",
	"environment.pass":                 "Host variables copied in when set. Not PATH, HOME, LANG or LD_*.",
	"environment.set":                  "Variables with fixed values. Not PATH, HOME or LD_*.",
	"analysis":                         "Static analysis before a run.",
	"analysis.block":                   "Refuse a run with a finding at or above this severity; off never blocks.",
	"analysis.allow":                   "Waived rules, everywhere or for matching script paths.",
	"analysis.allow[].rule":            "Rule id to waive.",
	"analysis.allow[].paths":           "Script path globs (path.Match syntax) the waiver applies to; empty means everywhere.",
	"audit":                            "The tamper-evident audit log.",
	"audit.enabled":                    "Record every run.",
	"audit.dir":                        "Log folder; empty means the per-user state dir.",
	"audit.signing_key":                "Ed25519 checkpoint signing key file; empty means <dir>/checkpoint.key.",
	"audit.fsync":                      "record: sync after every record; group: sync records in groups.",
	"audit.witness":                    "Second place checkpoints are copied to: a folder, or exec:COMMAND.",
	"audit.checkpoint_every":           "Sign a checkpoint after this many records.",
	"audit.checkpoint_interval":        "Sign a checkpoint at least this often.",
	"audit.rotate_size":                "Rotate log segments at this size.",
	"audit.rotate_age":                 "Rotate log segments at this age.",
	"runtime":                          "The interpreter.",
	"runtime.interpreter":              "A name looked up on PATH or an absolute path; a pyenv shim is resolved to the real binary.",
	"runtime.venv":                     "A virtual environment folder (relative to the policy file): its bin/python3 replaces interpreter and its site-packages are visible read-only.",
	"runtime.args":                     "Interpreter arguments before the script path.",
	"runtime.tools":                    "Programs the script may run (sh, git, ...): names looked up in /usr/local/bin, /usr/bin, /bin, or absolute paths; each bound read-only with its shared libraries. None by default.",
	"isolation":                        "Which isolation layers may run degraded instead of refusing the run.",
	"isolation.allow_degraded":         "Layers that may run weaker than asked.",
	"isolation.allow_syscalls":         "Optional syscall groups the filter refuses by default: aio, memfd, sysvshm.",
	"isolation.refusals":               "What a refused system call does to the run, per class: kill (end it at once, security-violation), violation (status security-violation), record (an event only). Every refusal is an event and in the audit log whatever the action.",
	"isolation.refusals.process":       "ptrace, process_vm_readv/writev, pidfd_getfd, kcmp. Default violation.",
	"isolation.refusals.mount":         "mount, umount2, the new mount API, mount_setattr, pivot_root. Default violation.",
	"isolation.refusals.namespace":     "unshare, setns, clone with CLONE_NEW* flags. Default violation.",
	"isolation.refusals.kernel":        "Kernel modules, kexec, bpf, perf_event_open, userfaultfd, io_uring, iopl/ioperm, syslog, fanotify, reboot, swap, acct, quotas. Default violation.",
	"isolation.refusals.keyring":       "keyctl, add_key, request_key. Default violation.",
	"isolation.refusals.file_handle":   "open_by_handle_at, name_to_handle_at. Default violation.",
	"isolation.refusals.sandbox":       "seccomp, landlock_*: the sandbox's own layers are final. Default violation.",
	"isolation.refusals.terminal":      "ioctl TIOCSTI and TIOCLINUX, vhangup. Default violation.",
	"isolation.refusals.abi":           "Another ABI (i386, x32) or unsafe personality flags. Default violation.",
	"isolation.refusals.clock":         "settimeofday, clock_settime, clock_adjtime, adjtimex. Default record.",
	"isolation.refusals.hostname":      "sethostname, setdomainname. Default record.",
	"isolation.refusals.chroot":        "chroot. Default record.",
	"isolation.refusals.socket":        "Socket families the filter refuses (AF_ALG, AF_VSOCK). Default record.",
	"isolation.refusals.signal":        "Sending SIGXCPU or SIGXFSZ, which only the kernel's limits may. Default record.",
	"isolation.refusals.other_process": "Limits or scheduling of another process. Default record.",
	"isolation.refusals.unknown":       "Calls not on the allow-list (new or unknown; answered ENOSYS). Default record.",
	"outputs":                          "Files of the work dir collected after a run into the folder the caller names (cordon run --output DIR).",
	"outputs.paths":                    "Glob patterns relative to the work dir (*.csv, out/**, **/*.json); empty means every file but the script and its inputs.",
	"outputs.max_files":                "Most files collected; the rest are listed as refused.",
	"outputs.max_size":                 "Most bytes collected in total; files past it are listed as refused.",
}

// Schema returns the JSON Schema (draft 2020-12) of a policy file, built
// from the Go model: editors complete and check policy files with it.
func Schema() []byte {
	s := schemaFor(reflect.TypeFor[Policy](), "")
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	s["$id"] = "https://cordonsec.github.io/cordon/cordon-policy.schema.json"
	s["title"] = "Cordon policy"
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func schemaFor(t reflect.Type, path string) map[string]any {
	s := map[string]any{}
	if d, ok := descriptions[path]; ok {
		s["description"] = d
	}
	switch t {
	case durationType:
		s["type"] = "string"
		s["pattern"] = durationPattern
		return s
	case sizeType:
		s["type"] = []string{"string", "integer"}
		s["pattern"] = sizePattern
		s["minimum"] = 0
		return s
	case reflect.TypeFor[NetworkMode]():
		s["type"] = "string"
		s["enum"] = strs(NetworkModes)
		return s
	case reflect.TypeFor[ReadOnlyMode]():
		s["type"] = "string"
		s["enum"] = strs(ReadOnlyModes)
		return s
	case reflect.TypeFor[Severity]():
		s["type"] = "string"
		s["enum"] = []string{"low", "medium", "high", "off"}
		return s
	case reflect.TypeFor[FsyncMode]():
		s["type"] = "string"
		s["enum"] = []string{string(FsyncRecord), string(FsyncGroup)}
		return s
	case reflect.TypeFor[RefusalAction]():
		s["type"] = "string"
		s["enum"] = strs(RefusalActions)
		return s
	case reflect.TypeFor[Layer]():
		s["type"] = "string"
		s["enum"] = strs(Layers)
		return s
	}
	switch t.Kind() {
	case reflect.Struct:
		s["type"] = "object"
		s["additionalProperties"] = false
		props := map[string]any{}
		var required []string
		for i := range t.NumField() {
			f := t.Field(i)
			name := yamlName(f)
			if name == "" {
				continue
			}
			props[name] = schemaFor(f.Type, join(path, name))
			if t == reflect.TypeFor[RuleAllow]() && name == "rule" {
				required = append(required, name)
			}
		}
		s["properties"] = props
		if required != nil {
			s["required"] = required
		}
	case reflect.Slice:
		s["type"] = "array"
		s["items"] = schemaFor(t.Elem(), path+"[]")
		if t.Elem().Kind() == reflect.Int {
			s["items"].(map[string]any)["minimum"] = 1
			s["items"].(map[string]any)["maximum"] = 65535
		}
	case reflect.Map:
		s["type"] = "object"
		s["propertyNames"] = map[string]any{"pattern": envNamePattern}
		s["additionalProperties"] = map[string]any{"type": []string{"string", "number", "boolean"}}
	case reflect.String:
		s["type"] = "string"
	case reflect.Bool:
		s["type"] = "boolean"
	case reflect.Int:
		s["type"] = "integer"
		s["minimum"] = 0
	default:
		panic(fmt.Sprintf("policy: schema: unhandled type %s", t))
	}
	return s
}
