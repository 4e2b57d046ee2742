//go:build !linux

package cgroup

import "time"

// Version is a cgroup hierarchy version.
type Version int

// Hierarchy versions.
const (
	V1 Version = 1
	V2 Version = 2
)

// Controller names.
const (
	Memory  = "memory"
	Pids    = "pids"
	CPU     = "cpu"
	CPUAcct = "cpuacct"
	Freezer = "freezer"
)

// Options configures Open.
type Options struct{ Parent string }

// Manager is unavailable on this system.
type Manager struct{}

// Group is unavailable on this system.
type Group struct{}

// Stats are the group's counters.
type Stats struct {
	MemoryPeak  uint64
	MemoryNow   uint64
	OOMKills    uint64
	CPUUser     time.Duration
	CPUSystem   time.Duration
	PidsMaxHits uint64
	PidsCurrent uint64
}

// Open fails: cgroups are Linux only.
func Open(Options) (*Manager, error) { return nil, &Error{Op: "open", Err: ErrUnsupported} }

func (*Manager) Controllers() map[string]Version { return nil }
func (*Manager) Check(string) error              { return &Error{Op: "open", Err: ErrUnsupported} }
func (*Manager) HasV2() bool                     { return false }
func (*Manager) Create(string, Limits) (*Group, error) {
	return nil, &Error{Op: "create", Err: ErrUnsupported}
}
func (*Manager) CleanStale() ([]string, error) { return nil, &Error{Op: "clean", Err: ErrUnsupported} }
func (*Group) Name() string                    { return "" }
func (*Group) Paths() []string                 { return nil }
func (*Group) SwapBounded() bool               { return false }
func (*Group) Place(int) error                 { return ErrUnsupported }
func (*Group) SetPids(int64) error             { return ErrUnsupported }
func (*Group) FD() (int, error)                { return -1, ErrUnsupported }
func (*Group) NeedsPlace() bool                { return false }
func (*Group) Procs() ([]int, error)           { return nil, ErrUnsupported }
func (*Group) Kill() error                     { return ErrUnsupported }
func (*Group) Destroy() error                  { return ErrUnsupported }
func (*Group) Stats() (Stats, error)           { return Stats{}, ErrUnsupported }

// Probe reports no cgroups: Linux only.
func Probe(Options) Report {
	return Report{V1: []Hierarchy{}, Controllers: []Controller{}, Error: ErrUnsupported.Error()}
}
