package cordon

import "github.com/cordonsec/cordon/policy"

// Status is the outcome of a run. Its text form is stable: the CLI, the
// HTTP API and the audit log use it.
type Status string

// The statuses of a run. Each maps to one CLI exit code ([Status.ExitCode]).
const (
	StatusOK                Status = "ok"
	StatusExitNonzero       Status = "exit-nonzero"
	StatusTimeout           Status = "timeout"
	StatusCPULimit          Status = "cpu-limit"
	StatusMemoryLimit       Status = "memory-limit"
	StatusPidsLimit         Status = "pids-limit"
	StatusOutputLimit       Status = "output-limit"
	StatusFileSizeLimit     Status = "file-size-limit"
	StatusSignaled          Status = "signaled"
	StatusSecurityViolation Status = "security-violation"
	StatusRejected          Status = "rejected"
	StatusInternalError     Status = "internal-error"
	// StatusCanceled: the caller canceled the run (the CLI on SIGINT or
	// SIGTERM) before the script ended; the whole tree was killed.
	StatusCanceled Status = "canceled"
)

// Statuses lists every status in documentation order.
var Statuses = []Status{
	StatusOK, StatusExitNonzero, StatusTimeout, StatusCPULimit,
	StatusMemoryLimit, StatusPidsLimit, StatusOutputLimit,
	StatusFileSizeLimit, StatusSignaled, StatusSecurityViolation,
	StatusRejected, StatusInternalError, StatusCanceled,
}

func (s Status) String() string { return string(s) }

// ExitCode is the exit status `cordon run` uses for s. A script's own exit
// code passes through for exit-nonzero (capped to 1..99); the statuses
// Cordon decides take codes from 100 up so the two never collide.
func (s Status) ExitCode(scriptExit int) int {
	switch s {
	case StatusOK:
		return 0
	case StatusExitNonzero:
		if scriptExit >= 1 && scriptExit <= 99 {
			return scriptExit
		}
		return 1
	case StatusTimeout:
		return 124 // as timeout(1)
	case StatusCPULimit:
		return 101
	case StatusMemoryLimit:
		return 102
	case StatusPidsLimit:
		return 103
	case StatusOutputLimit:
		return 104
	case StatusFileSizeLimit:
		return 105
	case StatusSignaled:
		return 106
	case StatusSecurityViolation:
		return 107
	case StatusRejected:
		return 108
	case StatusCanceled:
		return 130 // as a shell reports an interrupted command
	default: // internal-error and anything unknown
		return 125
	}
}

// LayerState says how far an isolation layer was applied to a run.
type LayerState string

const (
	// LayerActive: applied as the policy asked.
	LayerActive LayerState = "active"
	// LayerDegraded: applied in a weaker form the policy allowed (e.g.
	// rlimits standing in for cgroups).
	LayerDegraded LayerState = "degraded"
	// LayerOff: not applied (not asked for, or allowed to be missing).
	LayerOff LayerState = "off"
	// LayerUnavailable: required, but this host cannot apply it; only
	// in a Plan (the run is refused, never reported with it).
	LayerUnavailable LayerState = "unavailable"
)

// Usage is what a run consumed.
type Usage struct {
	WallMS          int64 `json:"wall_ms"`
	CPUUserMS       int64 `json:"cpu_user_ms"`
	CPUSysMS        int64 `json:"cpu_sys_ms"`
	PeakMemoryBytes int64 `json:"peak_memory_bytes"`
	// Phases is where the time went (microseconds).
	Phases Phases `json:"phases"`
}

// Finding is one static-analysis finding on the script.
type Finding struct {
	File       string `json:"file"`
	Rule       string `json:"rule"`
	Severity   string `json:"severity"`
	Confidence string `json:"confidence,omitempty"`
	Category   string `json:"category,omitempty"`
	Line       int    `json:"line"`
	Column     int    `json:"column"`
	Message    string `json:"message"`
	Snippet    string `json:"snippet,omitempty"`
}

// Truncated says which output streams hit the output cap.
type Truncated struct {
	Stdout bool `json:"stdout"`
	Stderr bool `json:"stderr"`
}

// InputFile is one input file of a run (Job.Files) as it was copied in.
type InputFile struct {
	Name   string `json:"name"` // in the work dir
	Path   string `json:"path"` // on the host, links resolved
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// OutputFile is one file of the work dir selected for collection after
// the run (Job.OutputDir): copied, with its SHA-256, or refused, saying
// why (a cap, a symlink, not a regular file).
type OutputFile struct {
	// Path is relative to the work dir (and to Job.OutputDir), with
	// slashes.
	Path    string `json:"path"`
	Size    int64  `json:"size"`
	SHA256  string `json:"sha256,omitempty"`
	Refused string `json:"refused,omitempty"`
}

// Result is the outcome of one run, as `cordon run --json` prints it.
type Result struct {
	ID       string `json:"id"`
	Status   Status `json:"status"`
	ExitCode int    `json:"exit_code"`
	Signal   string `json:"signal,omitempty"`
	Error    string `json:"error,omitempty"` // for internal-error and rejected
	// FailedLayer names the layer that was unavailable or failed to be
	// set up when a run never started (status internal-error; Error
	// reads "layer L unavailable: ..." or "layer L failed: ...").
	FailedLayer policy.Layer                `json:"failed_layer,omitempty"`
	Usage       Usage                       `json:"usage"`
	Layers      map[policy.Layer]LayerState `json:"layers"`
	Events      []Event                     `json:"events"`
	Findings    []Finding                   `json:"findings"`
	Stdout      string                      `json:"stdout"`
	Stderr      string                      `json:"stderr"`
	Truncated   Truncated                   `json:"truncated"`
	// Inputs are the job's input files as they were copied in.
	Inputs []InputFile `json:"inputs,omitempty"`
	// Outputs are the files collected into Job.OutputDir (or refused);
	// OutputsOmitted counts refused files past the first 100 listed.
	Outputs        []OutputFile `json:"outputs,omitempty"`
	OutputsOmitted int          `json:"outputs_omitted,omitempty"`
	// Audit is where the run's end record landed in the audit log (absent
	// when the audit layer was off or the record could not be written):
	// `cordon audit prove INDEX` and a service's evidence start here.
	Audit *AuditEntry `json:"audit,omitempty"`
	// Warm says the job ran in a pooled sandbox whose interpreter was
	// started before the job arrived (Pool); its usage and wall time count
	// from hand-over.
	Warm bool `json:"warm,omitempty"`
}

// AuditEntry names one audit record: its leaf index in the log's Merkle
// tree and its leaf hash (RFC 6962, base64).
type AuditEntry struct {
	Index    int64  `json:"index"`
	LeafHash string `json:"leaf_hash"`
}
