//go:build !linux

package landlock

import "errors"

// Policy is the view to enforce.
type Policy struct {
	ReadOnly, ReadWrite []string
	Deny                []string
	ExecWritable        bool
	Rules               []Rule
	Net                 *Net
	Scope               bool
	MinABI              int
}

// Rule grants Access below Path.
type Rule struct {
	Path   string
	Access uint64
}

// Net lists the TCP ports allowed.
type Net struct {
	BindTCP, ConnectTCP []uint16
	AnyConnect          bool
}

// Status is what a ruleset enforces: nothing here.
type Status struct {
	ABI             int
	FS, Net, Scoped uint64
}

// Enforced is always false here.
func (Status) Enforced() bool { return false }

func (Status) String() string { return "landlock off (not Linux)" }

// NetRestricted is always false here.
func (Status) NetRestricted() bool { return false }

// ScopedSignals is always false here.
func (Status) ScopedSignals() bool { return false }

// Ruleset is unavailable on this system.
type Ruleset struct {
	FD     int
	Flags  uint32
	Status Status
}

// ABI is 0: no Landlock.
func ABI() int { return 0 }

// Prepare fails: Landlock is Linux only.
func Prepare(Policy) (*Ruleset, error) { return nil, errors.ErrUnsupported }

// RestrictThread fails: Landlock is Linux only.
func (*Ruleset) RestrictThread() error { return errors.ErrUnsupported }

// Close does nothing.
func (*Ruleset) Close() error { return nil }

// Apply fails: Landlock is Linux only.
func Apply(Policy) (Status, error) { return Status{}, errors.ErrUnsupported }
