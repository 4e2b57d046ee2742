package server

// A run as the service keeps it: its state, its live output (for server-
// sent events), its result and evidence, and the store of a tenant's runs.

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/cordonsec/cordon"
	"github.com/cordonsec/cordon/audit"
)

// The service's run states besides a finished run's result status.
const (
	stateQueued  = "queued"
	stateRunning = "running"
	// statusCanceled: canceled by DELETE (queued or running).
	statusCanceled = string(cordon.StatusCanceled)
)

// Run is one accepted run.
type Run struct {
	ID          string
	tenant      string
	concurrency int
	created     time.Time

	job      cordon.Job
	inputDir string // the request's files, removed after the run
	callback string
	idemKey  string
	reqHash  [32]byte
	jent     journalEntry

	ctx    context.Context
	cancel context.CancelFunc

	mu          sync.Mutex
	status      string
	canceled    bool
	started     time.Time
	finished    time.Time
	result      *cordon.Result
	evidence    *audit.Proof
	evidenceErr string
	deliveries  []Delivery
	done        chan struct{}

	out output
}

// RunView is a run as the API shows it. Result is exactly the object
// `cordon run --json` prints.
type RunView struct {
	ID         string         `json:"id"`
	Status     string         `json:"status"`
	CreatedAt  time.Time      `json:"created_at"`
	StartedAt  *time.Time     `json:"started_at,omitempty"`
	FinishedAt *time.Time     `json:"finished_at,omitempty"`
	Result     *cordon.Result `json:"result,omitempty"`
	// Evidence is the inclusion proof of the run's audit end record under
	// a signed checkpoint: save it and check it any time later with
	// `cordon audit check-proof FILE --key PUBKEY`.
	Evidence      *audit.Proof  `json:"evidence,omitempty"`
	EvidenceError string        `json:"evidence_error,omitempty"`
	Callback      *CallbackView `json:"callback,omitempty"`
}

// CallbackView is the callback of a run and its delivery attempts.
type CallbackView struct {
	URL        string     `json:"url"`
	Deliveries []Delivery `json:"deliveries"`
}

// Delivery is one attempt to deliver a callback.
type Delivery struct {
	Time   time.Time `json:"time"`
	Status int       `json:"status,omitempty"` // HTTP status, 0 if none
	Error  string    `json:"error,omitempty"`
}

func (r *Run) view() RunView {
	r.mu.Lock()
	defer r.mu.Unlock()
	v := RunView{ID: r.ID, Status: r.status, CreatedAt: r.created, Result: r.result,
		Evidence: r.evidence, EvidenceError: r.evidenceErr}
	if !r.started.IsZero() {
		t := r.started
		v.StartedAt = &t
	}
	if !r.finished.IsZero() {
		t := r.finished
		v.FinishedAt = &t
	}
	if r.callback != "" {
		v.Callback = &CallbackView{URL: r.callback, Deliveries: append([]Delivery{}, r.deliveries...)}
	}
	return v
}

func (r *Run) state() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status
}

func (r *Run) isCanceled() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.canceled
}

func (r *Run) isDone() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// store holds the runs in memory: every unfinished run, and the newest
// `retain` finished ones.
type store struct {
	mu       sync.Mutex
	retain   int
	runs     map[string]*Run
	finished []string        // ids in finishing order, for eviction
	idem     map[string]*Run // tenant + "\x00" + key
}

func newStore(retain int) *store {
	return &store{retain: retain, runs: map[string]*Run{}, idem: map[string]*Run{}}
}

func (s *store) get(tenant, id string) *Run {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.runs[id]
	if r == nil || r.tenant != tenant {
		return nil
	}
	return r
}

func (s *store) add(r *Run) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runs[r.ID] = r
	if r.idemKey != "" {
		s.idem[r.tenant+"\x00"+r.idemKey] = r
	}
}

// drop forgets a run that was never queued.
func (s *store) drop(r *Run) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.runs, r.ID)
	if r.idemKey != "" && s.idem[r.tenant+"\x00"+r.idemKey] == r {
		delete(s.idem, r.tenant+"\x00"+r.idemKey)
	}
}

func (s *store) byKey(tenant, key string) *Run {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.idem[tenant+"\x00"+key]
}

// finish marks r finished and evicts the oldest finished runs past the
// retention; it returns the evicted ones.
func (s *store) finish(r *Run) (evicted []*Run) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finished = append(s.finished, r.ID)
	for len(s.finished) > s.retain {
		old := s.runs[s.finished[0]]
		s.finished = s.finished[1:]
		if old != nil {
			evicted = append(evicted, old)
			delete(s.runs, old.ID)
			if old.idemKey != "" {
				delete(s.idem, old.tenant+"\x00"+old.idemKey)
			}
		}
	}
	return evicted
}

// list returns the tenant's runs, newest first, with status (if given),
// created before `before` (if given), at most limit.
func (s *store) list(tenant, status string, before string, limit int) ([]*Run, string) {
	s.mu.Lock()
	var rs []*Run
	for _, r := range s.runs {
		if r.tenant == tenant {
			rs = append(rs, r)
		}
	}
	s.mu.Unlock()
	sort.Slice(rs, func(i, j int) bool {
		if !rs[i].created.Equal(rs[j].created) {
			return rs[i].created.After(rs[j].created)
		}
		return rs[i].ID > rs[j].ID
	})
	var out []*Run
	started := before == ""
	for _, r := range rs {
		if !started {
			if r.ID == before {
				started = true
			}
			continue
		}
		if status != "" && r.state() != status {
			continue
		}
		if len(out) == limit {
			return out, out[len(out)-1].ID
		}
		out = append(out, r)
	}
	return out, ""
}
