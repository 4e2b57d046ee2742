package policy

import "time"

// Default returns the built-in default policy (builtin:default): no network, nothing but the
// work dir writable, nothing from the host but the interpreter's runtime,
// modest limits, analysis blocking high-severity findings, audit on.
// Each call returns a fresh copy the caller may change.
func Default() *Policy {
	return &Policy{
		Limits: Limits{
			WallTime:  Duration(30 * time.Second),
			CPUTime:   Duration(10 * time.Second),
			Memory:    256 << 20,
			Processes: 64,
			FileSize:  64 << 20,
			OpenFiles: 256,
			Output:    1 << 20,
			Tmp:       64 << 20,
		},
		Filesystem: Filesystem{ReadOnly: []string{}, ReadWrite: []string{}, Deny: []string{}},
		Network: Network{
			Mode:           NetworkNone,
			Domains:        []string{},
			Ports:          []int{},
			CIDRs:          []string{},
			MaxConnections: 32,
			MaxBytesOut:    16 << 20,
			MaxBytesIn:     64 << 20,
			ConnectionTime: Duration(30 * time.Second),
		},
		Environment: Environment{Pass: []string{}, Set: map[string]string{}},
		Analysis:    Analysis{Block: SeverityHigh, Allow: []RuleAllow{}},
		Audit: Audit{
			Enabled:            true,
			Fsync:              FsyncGroup,
			CheckpointEvery:    1000,
			CheckpointInterval: Duration(5 * time.Minute),
			RotateSize:         64 << 20,
			RotateAge:          Duration(24 * time.Hour),
		},
		Runtime: Runtime{
			Interpreter: "python3",
			// -E ignores PYTHON* variables, -s the user site dir; unlike
			// -I it keeps the script's folder on sys.path, so a script can
			// import a helper module given with --file.
			Args:  []string{"-E", "-s"},
			Tools: []string{},
		},
		Isolation: Isolation{AllowDegraded: []Layer{}, AllowSyscalls: []string{}, Refusals: DefaultRefusals()},
		Outputs:   Outputs{Paths: []string{}, MaxFiles: 100, MaxSize: 64 << 20},
	}
}
