package server

// Evidence: the inclusion proof of a run's audit end record under a signed
// checkpoint, returned with every result, and the records the service
// writes itself (runs that never reached the library: canceled while
// queued, input refused, interrupted by a crash).

import (
	"context"
	"errors"
	"os"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/cordonsec/cordon/audit"
)

type evidence struct {
	log *audit.Log

	mu      sync.Mutex // serialises checkpoints: waiters share one
	covered int64      // records covered by the newest checkpoint we made
}

// prove returns the inclusion proof of record index, signing a checkpoint
// first if the newest does not cover it (one checkpoint serves every run
// that finished meanwhile).
func (e *evidence) prove(ctx context.Context, index int64) (*audit.Proof, error) {
	for attempt := 0; ; attempt++ {
		e.mu.Lock()
		if index >= e.covered || attempt > 0 {
			if err := e.log.Checkpoint(ctx); err != nil {
				e.mu.Unlock()
				return nil, err
			}
			e.covered = e.log.Size()
		}
		e.mu.Unlock()
		p, err := audit.Prove(e.log.Dir(), []int64{index}, nil, e.log.Verifier())
		if errors.Is(err, audit.ErrNotCovered) && attempt == 0 {
			continue
		}
		return p, err
	}
}

// usable says whether the log can take records: its folder is there and
// writable.
func (e *evidence) usable() error {
	st, err := os.Stat(e.log.Dir())
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return errors.New("not a directory")
	}
	return unix.Access(e.log.Dir(), unix.W_OK)
}

func (e *evidence) recordUnstarted(j journalEntry, status, msg string) (audit.Entry, error) {
	host, _ := os.Hostname()
	if _, err := e.log.Append(context.Background(), audit.Record{Kind: audit.KindRunStart, RunID: j.ID, Tenant: j.Tenant,
		Start: &audit.RunStart{Script: j.Script, ScriptSHA256: j.ScriptSHA256, PolicyHash: j.PolicyHash,
			Tenant: j.Tenant, User: "cordon-serve", Client: j.Client, Host: host}}); err != nil {
		return audit.Entry{}, err
	}
	return e.recordEnd(j, status, msg)
}

func (e *evidence) recordEnd(j journalEntry, status, msg string) (audit.Entry, error) {
	return e.log.Append(context.Background(), audit.Record{Kind: audit.KindRunEnd, RunID: j.ID, Tenant: j.Tenant, Durable: true,
		End: &audit.RunEnd{Status: status, ExitCode: -1, Error: msg, ScriptSHA256: j.ScriptSHA256}})
}

// runsIn says which of the runs have start and end records in the log.
func (e *evidence) runsIn(runs []journalEntry) (started, ended map[string]bool, err error) {
	want := map[string]bool{}
	for _, r := range runs {
		want[r.ID] = true
	}
	started, ended = map[string]bool{}, map[string]bool{}
	err = audit.ReadRecords(e.log.Dir(), func(_ int64, rec audit.Record) error {
		if want[rec.RunID] {
			switch rec.Kind {
			case audit.KindRunStart:
				started[rec.RunID] = true
			case audit.KindRunEnd:
				ended[rec.RunID] = true
			}
		}
		return nil
	})
	return started, ended, err
}
