package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/cordonsec/cordon/policy"
)

// Kind names what a record is about. The text form is stable.
type Kind string

// The record kinds.
const (
	KindRunStart      Kind = "run-start"
	KindRunEnd        Kind = "run-end"
	KindSecurityEvent Kind = "security-event"
	// KindLogRepaired is written by the log itself after it cut a torn
	// tail left by a crash.
	KindLogRepaired Kind = "log-repaired"
)

// Record is one entry of the log as a caller gives it. Exactly one of the
// kind-specific bodies is set, matching Kind.
type Record struct {
	Kind  Kind   `json:"kind"`
	RunID string `json:"run_id,omitempty"`
	// Tenant names who asked for the run (a service's tenant), on every
	// record of a run that has one.
	Tenant string `json:"tenant,omitempty"`
	// Time is when it happened; zero means the log's clock at append. It
	// is part of the hashed leaf.
	Time   time.Time      `json:"-"`
	Start  *RunStart      `json:"start,omitempty"`
	End    *RunEnd        `json:"end,omitempty"`
	Event  *SecurityEvent `json:"event,omitempty"`
	Repair *Repair        `json:"repair,omitempty"`
	// Durable makes Append wait for fsync even in group mode (a run-start
	// record always waits). Not stored.
	Durable bool `json:"-"`
}

// RunStart is written before a run starts; if it cannot be written the run
// must not start.
type RunStart struct {
	Script       string `json:"script"`
	ScriptSHA256 string `json:"script_sha256"`
	PolicyHash   string `json:"policy_hash"`
	Tenant       string `json:"tenant,omitempty"`
	User         string `json:"user,omitempty"`
	// Client is the program that asked on the user's behalf (an MCP
	// client's name), when one said so.
	Client string         `json:"client,omitempty"`
	Host   string         `json:"host,omitempty"`
	Layers []policy.Layer `json:"layers,omitempty"` // planned
	// Inputs are the files copied into the work dir besides the script.
	Inputs []Input `json:"inputs,omitempty"`
}

// Input is one input file of a run; it has the fields of
// cordon.InputFile.
type Input struct {
	Name   string `json:"name"`
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Usage is what a run consumed: the fields of cordon.Usage but its phases.
type Usage struct {
	WallMS          int64 `json:"wall_ms"`
	CPUUserMS       int64 `json:"cpu_user_ms"`
	CPUSysMS        int64 `json:"cpu_sys_ms"`
	PeakMemoryBytes int64 `json:"peak_memory_bytes"`
}

// FindingsSummary counts the static-analysis findings of a run.
type FindingsSummary struct {
	Total      int            `json:"total"`
	BySeverity map[string]int `json:"by_severity,omitempty"`
	Rules      []string       `json:"rules,omitempty"`
}

// RunEnd is written when a run has finished.
type RunEnd struct {
	Status       string                  `json:"status"`
	ExitCode     int                     `json:"exit_code"`
	Signal       string                  `json:"signal,omitempty"`
	Error        string                  `json:"error,omitempty"`
	ScriptSHA256 string                  `json:"script_sha256,omitempty"`
	Usage        Usage                   `json:"usage"`
	Findings     FindingsSummary         `json:"findings"`
	Layers       map[policy.Layer]string `json:"layers,omitempty"` // in force
	Events       int                     `json:"events"`
	// Outputs are the files collected from the work dir (or refused),
	// OutputsOmitted the refused ones not listed.
	Outputs        []Output `json:"outputs,omitempty"`
	OutputsOmitted int      `json:"outputs_omitted,omitempty"`
}

// Output is one file collected from a run's work dir, or refused; it has
// the fields of cordon.OutputFile.
type Output struct {
	Path    string `json:"path"`
	Size    int64  `json:"size"`
	SHA256  string `json:"sha256,omitempty"`
	Refused string `json:"refused,omitempty"`
}

// SecurityEvent is one violation or notable event of a run.
type SecurityEvent struct {
	Type    string         `json:"type"`
	Message string         `json:"message,omitempty"`
	Detail  map[string]any `json:"detail,omitempty"`
}

// Repair says what the log cut off when it reopened after a crash.
type Repair struct {
	Segment      string `json:"segment"`
	Offset       int64  `json:"offset"`        // where the torn bytes began
	BytesDropped int64  `json:"bytes_dropped"` // how many were cut
	HashesFixed  bool   `json:"hashes_fixed,omitempty"`
}

// wire is a record as stored: its index and time come first so readers
// can take them without decoding the body.
type wire struct {
	I      int64          `json:"i"`
	T      string         `json:"t"`
	Kind   Kind           `json:"kind"`
	RunID  string         `json:"run_id,omitempty"`
	Tenant string         `json:"tenant,omitempty"`
	Start  *RunStart      `json:"start,omitempty"`
	End    *RunEnd        `json:"end,omitempty"`
	Event  *SecurityEvent `json:"event,omitempty"`
	Repair *Repair        `json:"repair,omitempty"`
}

// maxLine bounds one record line; longer lines are refused on write and
// on read.
const maxLine = 1 << 20

// ErrRecord is returned for a record that is not valid.
var ErrRecord = errors.New("invalid audit record")

func (r *Record) validate() error {
	n := 0
	for _, set := range []bool{r.Start != nil, r.End != nil, r.Event != nil, r.Repair != nil} {
		if set {
			n++
		}
	}
	var want bool
	switch r.Kind {
	case KindRunStart:
		want = r.Start != nil
	case KindRunEnd:
		want = r.End != nil
	case KindSecurityEvent:
		want = r.Event != nil
	case KindLogRepaired:
		want = r.Repair != nil
	default:
		return fmt.Errorf("%w: unknown kind %q", ErrRecord, r.Kind)
	}
	if !want || n != 1 {
		return fmt.Errorf("%w: kind %s needs exactly its own body", ErrRecord, r.Kind)
	}
	return nil
}

// marshalRecord returns the leaf bytes (without the newline) of rec at
// index i.
func marshalRecord(i int64, rec *Record) ([]byte, error) {
	if err := rec.validate(); err != nil {
		return nil, err
	}
	w := wire{
		I: i, T: rec.Time.UTC().Format(time.RFC3339Nano), Kind: rec.Kind, RunID: rec.RunID, Tenant: rec.Tenant,
		Start: rec.Start, End: rec.End, Event: rec.Event, Repair: rec.Repair,
	}
	b, err := json.Marshal(&w)
	if err != nil {
		return nil, fmt.Errorf("encoding audit record: %w", err)
	}
	if len(b) >= maxLine {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrRecord, len(b), maxLine)
	}
	return b, nil
}

// ParseRecord decodes one stored line (without its newline) into its index
// and record. It refuses unknown fields, a missing or malformed time, a
// negative index and a body that does not match the kind.
func ParseRecord(line []byte) (int64, Record, error) {
	if len(line) >= maxLine {
		return 0, Record{}, fmt.Errorf("%w: line of %d bytes", ErrRecord, len(line))
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	var w wire
	if err := dec.Decode(&w); err != nil {
		return 0, Record{}, fmt.Errorf("%w: %v", ErrRecord, err)
	}
	if dec.More() {
		return 0, Record{}, fmt.Errorf("%w: trailing data", ErrRecord)
	}
	if w.I < 0 {
		return 0, Record{}, fmt.Errorf("%w: negative index", ErrRecord)
	}
	t, err := time.Parse(time.RFC3339Nano, w.T)
	if err != nil {
		return 0, Record{}, fmt.Errorf("%w: time: %v", ErrRecord, err)
	}
	rec := Record{Kind: w.Kind, RunID: w.RunID, Tenant: w.Tenant, Time: t, Start: w.Start, End: w.End, Event: w.Event, Repair: w.Repair}
	if err := rec.validate(); err != nil {
		return 0, Record{}, err
	}
	return w.I, rec, nil
}

// quickIndex reads the index and time of a line written by marshalRecord
// without decoding the whole object: `{"i":N,"t":"TIME",`. ok is false when
// the line does not start that way (then use ParseRecord).
func quickIndex(line []byte) (i int64, t time.Time, ok bool) {
	const p1, p2 = `{"i":`, `,"t":"`
	if !bytes.HasPrefix(line, []byte(p1)) {
		return 0, time.Time{}, false
	}
	rest := line[len(p1):]
	j := bytes.IndexByte(rest, ',')
	if j <= 0 || j > 19 {
		return 0, time.Time{}, false
	}
	i, err := strconv.ParseInt(string(rest[:j]), 10, 64)
	if err != nil || i < 0 || (j > 1 && rest[0] == '0') {
		return 0, time.Time{}, false
	}
	rest = rest[j:]
	if !bytes.HasPrefix(rest, []byte(p2)) {
		return 0, time.Time{}, false
	}
	rest = rest[len(p2):]
	k := bytes.IndexByte(rest, '"')
	if k < 0 || k > 40 {
		return 0, time.Time{}, false
	}
	t, err = time.Parse(time.RFC3339Nano, string(rest[:k]))
	if err != nil {
		return 0, time.Time{}, false
	}
	return i, t, true
}
