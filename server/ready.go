package server

// Readiness: /readyz answers 503 while the audit log is unusable, while
// the host cannot enforce a layer some tenant's ceiling requires (the same
// probe and plan `cordon doctor` reports), or while shutting down. The
// host is probed at start and every hostProbeEvery after, in the
// background; requests read the last verdict.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cordonsec/cordon"
)

const hostProbeEvery = time.Minute

// probeHost plans every tenant's ceiling on this host and keeps the first
// problem (nil: every ceiling can run).
func (s *Server) probeHost(ctx context.Context) {
	s.tmu.RLock()
	tenants := make([]*Tenant, 0, len(s.byName))
	for _, t := range s.byName {
		tenants = append(tenants, t)
	}
	s.tmu.RUnlock()
	var err error
	reports := map[string]*cordon.HostReport{}
	for _, t := range tenants {
		interp := t.Ceiling.Runtime.Interpreter
		r, ok := reports[interp]
		if !ok {
			var perr error
			r, perr = cordon.ProbeHost(ctx, t.Ceiling)
			if perr != nil && r == nil {
				err = fmt.Errorf("probing the host: %w", perr)
				break
			}
			reports[interp] = r
		}
		if perr := cordon.PlanFor(t.Ceiling, r).Err(); perr != nil {
			err = fmt.Errorf("tenant %s: %w", t.Name, perr)
			break
		}
	}
	s.hostErr.Store(&errBox{err})
}

type errBox struct{ err error }

func (s *Server) hostLoop(ctx context.Context) {
	t := time.NewTicker(hostProbeEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.probeHost(ctx)
		}
	}
}

// Ready says whether the service can take runs.
func (s *Server) Ready() error {
	if s.draining.Load() {
		return errors.New("shutting down")
	}
	if err := s.ev.usable(); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	if b, ok := s.hostErr.Load().(*errBox); ok && b.err != nil {
		return b.err
	}
	return nil
}
