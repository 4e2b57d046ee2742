package server

// A service for one local caller, without a listener: `cordon mcp` over
// stdio runs its tools through it, so a run started by an agent on this
// machine goes through the same request checks, tightening, queue,
// audit records and evidence as one sent to `cordon serve`.

import (
	"errors"
	"log/slog"
	"time"

	"github.com/cordonsec/cordon/audit"
	"github.com/cordonsec/cordon/policy"
)

// LocalTenant is the one tenant of a [NewLocal] service.
const LocalTenant = "local"

// LocalOptions configure [NewLocal].
type LocalOptions struct {
	// Ceiling is the policy every run starts from (nil: the built-in
	// default); Offers are further named policies a request may start
	// from instead, each a tightening of Ceiling.
	Ceiling *policy.Policy
	Offers  map[string]*policy.Policy
	// StateDir holds the journal and the runs' files (required).
	StateDir string
	// Workers is how many runs execute at once (default 2);
	// RunsPerMinute and Burst bound how fast runs are accepted (default
	// 60 and 10).
	Workers       int
	RunsPerMinute int
	Burst         int
}

// NewLocal starts a service with the one tenant [LocalTenant], whose
// runs are written to the ceiling's audit log (audit.dir, or the default
// folder).
func NewLocal(opts LocalOptions, logger *slog.Logger) (*Server, error) {
	if opts.StateDir == "" {
		return nil, errors.New("local service: no state dir")
	}
	ceiling := opts.Ceiling
	if ceiling == nil {
		ceiling = policy.Default()
	}
	if !ceiling.Audit.Enabled {
		return nil, errors.New("the policy turns the audit log off; every run through this service is recorded")
	}
	auditDir := ceiling.Audit.Dir
	if auditDir == "" {
		auditDir = audit.DefaultDir()
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = 2
	}
	rate, burst := opts.RunsPerMinute, opts.Burst
	if rate <= 0 {
		rate = 60
	}
	if burst <= 0 {
		burst = 10
	}
	// Nobody authenticates (the tenant is named directly); the config
	// still wants a token.
	_, hash := NewToken()
	cfg := &Config{
		StateDir: opts.StateDir, AuditDir: auditDir, Workers: workers, Queue: 4 * workers, Retain: 100,
		ShutdownTimeout: policy.Duration(10 * time.Second),
		Tenants: []TenantConfig{{Name: LocalTenant, TokenSHA256: []string{hash},
			Concurrency: workers, Queued: 4 * workers, RunsPerMinute: rate, Burst: burst,
			ceiling: ceiling, offers: opts.Offers}},
	}
	cfg.fill()
	return New(cfg, logger)
}
