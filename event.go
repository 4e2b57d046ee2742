package cordon

// EventType names what an Event tells. Its text form is stable: the CLI,
// the HTTP API and the audit log's security-event records carry it.
// docs/results.md has one line per type (a test keeps the two equal).
type EventType string

// The event types, in documentation order.
const (
	// Layers, at preparation: a layer weaker than asked or off.
	EventLayerDegraded  EventType = "layer-degraded"
	EventMemoryDegraded EventType = "memory-degraded"
	EventSwapUnbounded  EventType = "swap-unbounded"
	EventLayerOff       EventType = "layer-off"

	// The limits the supervisor or the kernel enforced; each is the
	// status of the same name.
	EventTimeout           EventType = "timeout"
	EventCPULimit          EventType = "cpu-limit"
	EventMemoryLimit       EventType = "memory-limit"
	EventPidsLimit         EventType = "pids-limit"
	EventOutputLimit       EventType = "output-limit"
	EventFileSizeLimit     EventType = "file-size-limit"
	EventSecurityViolation EventType = "security-violation"

	// What the script tried.
	EventSyscallRefused    EventType = "syscall-refused"
	EventNetworkConnection EventType = "network-connection"
	EventNetworkRefused    EventType = "network-refused"
	EventNetworkSummary    EventType = "network-summary"
	EventProgramMissing    EventType = "program-missing"

	// The supervisor's own trouble, never silent.
	EventInitDied      EventType = "init-died"
	EventOutputsFailed EventType = "outputs-failed"
	EventOutputsCut    EventType = "outputs-cut"
	EventAuditFailed   EventType = "audit-failed"
)

// EventTypes lists every event type in documentation order.
var EventTypes = []EventType{
	EventLayerDegraded, EventMemoryDegraded, EventSwapUnbounded, EventLayerOff,
	EventTimeout, EventCPULimit, EventMemoryLimit, EventPidsLimit,
	EventOutputLimit, EventFileSizeLimit, EventSecurityViolation,
	EventSyscallRefused, EventNetworkConnection, EventNetworkRefused,
	EventNetworkSummary, EventProgramMissing,
	EventInitDied, EventOutputsFailed, EventOutputsCut, EventAuditFailed,
}

func (t EventType) String() string { return string(t) }

// Event is something that happened during a run worth telling: a limit hit,
// a refused syscall, a network attempt, a layer that degraded.
type Event struct {
	Type    EventType      `json:"type"`
	TimeMS  int64          `json:"time_ms"` // since the run started
	Message string         `json:"message,omitempty"`
	Detail  map[string]any `json:"detail,omitempty"`
}
