package audit

import (
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/cordonsec/cordon/policy"
)

// Options configure a [Log]. Zero fields take the defaults of
// policy.Default().Audit.
type Options struct {
	// Dir holds the log; "" means [DefaultDir].
	Dir string
	// SigningKey is the note signing key file; "" means
	// <Dir>/checkpoint.key, created (with checkpoint.pub) on first use.
	SigningKey string
	// KeyName names a key created on first use and is the origin line of
	// its checkpoints; "" means "cordon.audit/<hostname>".
	KeyName string
	Fsync   policy.FsyncMode
	// Witness receives a copy of every checkpoint: a directory, or
	// "exec:COMMAND" run with sh -c and the signed checkpoint on stdin.
	Witness            string
	CheckpointEvery    int
	CheckpointInterval time.Duration
	RotateSize         int64
	RotateAge          time.Duration
	// GroupDelay is how long a group commit gathers records before one
	// fsync; 0 means 2ms.
	GroupDelay time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// OnError receives errors of background work (heartbeat checkpoints,
	// witness copies); nil drops them (they are also returned by the next
	// Checkpoint or Close).
	OnError func(error)
}

// OptionsFromPolicy maps the policy's audit section to Options.
func OptionsFromPolicy(a policy.Audit) Options {
	return Options{
		Dir:                a.Dir,
		SigningKey:         a.SigningKey,
		Fsync:              a.Fsync,
		Witness:            a.Witness,
		CheckpointEvery:    a.CheckpointEvery,
		CheckpointInterval: a.CheckpointInterval.D(),
		RotateSize:         int64(a.RotateSize),
		RotateAge:          a.RotateAge.D(),
	}
}

// DefaultDir is where the log lives when the policy names no dir:
// $XDG_STATE_HOME/cordon/audit if XDG_STATE_HOME is set, else
// /var/lib/cordon/audit for root and ~/.local/state/cordon/audit for
// anyone else.
func DefaultDir() string {
	if x := os.Getenv("XDG_STATE_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "cordon", "audit")
	}
	if os.Geteuid() == 0 {
		return "/var/lib/cordon/audit"
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return filepath.Join(os.TempDir(), "cordon-audit-"+strconv.Itoa(os.Geteuid()))
	}
	return filepath.Join(home, ".local", "state", "cordon", "audit")
}

func (o *Options) fill() {
	d := policy.Default().Audit
	if o.Dir == "" {
		o.Dir = DefaultDir()
	}
	if o.SigningKey == "" {
		o.SigningKey = filepath.Join(o.Dir, "checkpoint.key")
	}
	if o.KeyName == "" {
		host, _ := os.Hostname()
		if host == "" {
			host = "localhost"
		}
		o.KeyName = "cordon.audit/" + host
	}
	if o.Fsync == "" {
		o.Fsync = d.Fsync
	}
	if o.CheckpointEvery <= 0 {
		o.CheckpointEvery = d.CheckpointEvery
	}
	if o.CheckpointInterval <= 0 {
		o.CheckpointInterval = d.CheckpointInterval.D()
	}
	if o.RotateSize <= 0 {
		o.RotateSize = int64(d.RotateSize)
	}
	if o.RotateAge <= 0 {
		o.RotateAge = d.RotateAge.D()
	}
	if o.GroupDelay <= 0 {
		o.GroupDelay = 2 * time.Millisecond
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}
