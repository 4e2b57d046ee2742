package cordon

// A warm pool: single-use sandboxes built ahead of their jobs, with the
// interpreter already started.

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/cordonsec/cordon/policy"
)

// ErrPoolEmpty: the pool had no sandbox ready within PoolOptions.Wait and
// PoolOptions.NoCold forbids a cold start.
var ErrPoolEmpty = errors.New("no warm sandbox ready")

// ErrPoolClosed: Run after Close.
var ErrPoolClosed = errors.New("pool closed")

// PoolOptions configure a Pool. The zero value keeps 2 sandboxes per
// policy, refills one at a time, trims a policy's sandboxes after 5
// minutes without a job, does not bound pooled memory, and starts a job
// cold at once when its policy's pool is empty.
type PoolOptions struct {
	// Size is how many sandboxes are kept ready per policy (default 2).
	Size int
	// Refill bounds how many sandboxes are being built at once, over
	// every policy (default 1).
	Refill int
	// IdleTrim closes a policy's ready sandboxes when no job of that
	// policy came for this long (default 5 minutes; negative: never); the
	// next job of the policy starts the pool for it again.
	IdleTrim time.Duration
	// MaxMemory bounds the memory the ready sandboxes of every policy use
	// together (bytes, their cgroups' usage — or the waiting
	// interpreter's resident memory without cgroups — when ready); a
	// refill that would pass it is given up until a sandbox leaves the
	// pool. 0: no bound.
	MaxMemory int64
	// Wait is how long a job waits for a sandbox when its policy's pool
	// is empty; after it (or at once when 0) the job starts cold, unless
	// NoCold, which makes Run return ErrPoolEmpty instead.
	Wait   time.Duration
	NoCold bool
	// Preload are Python modules the waiting interpreters import before
	// their job arrives ("json", "numpy"): their import time leaves the
	// job's path. They must be importable with the policy's file system.
	Preload []string
	// MaxBuilds stops refilling once this many sandboxes were built
	// (0: no bound): a one-shot user (cordon run --warm) builds one.
	MaxBuilds int
	// Metrics, when set, are told what the pool does.
	Metrics PoolMetrics
}

// PoolMetrics are hooks a Pool calls (from its own goroutines, so they
// must be safe for concurrent use and quick). key is the policy's hash.
type PoolMetrics interface {
	// Hit: a job got a warm sandbox; Miss: it ran cold or got
	// ErrPoolEmpty.
	Hit(key string)
	Miss(key string)
	// Refill: one sandbox was built (err nil) or failed, in d.
	Refill(key string, d time.Duration, err error)
	// Size: the policy's pool now holds n ready sandboxes.
	Size(key string, n int)
}

// Pool runs jobs in warm single-use sandboxes: per policy it keeps
// PoolOptions.Size sandboxes ready — namespaces, root, cgroup, Landlock
// and seccomp in place, the interpreter started (site and the preload
// modules imported) and waiting for its job. A job handed to one runs as
// in a cold run (sys.argv, __file__, sys.path[0], tracebacks, exit codes,
// atexit); its usage and wall clock count from hand-over and its Result
// says Warm. A sandbox serves one job and is gone after it; the pool
// builds a fresh one in the background. It is safe for concurrent use.
type Pool struct {
	e    *Executor
	opts PoolOptions
	warm *warmStart
	sem  chan struct{} // refill concurrency

	mu       sync.Mutex
	closed   bool
	policies map[string]*policyPool
	memory   int64 // the ready sandboxes' memory, for MaxMemory
	builds   int   // sandboxes started building, for MaxBuilds
	wg       sync.WaitGroup
	stop     chan struct{}
}

// policyPool is the pool of one policy.
type policyPool struct {
	key      string
	pol      *policy.Policy
	ready    []*pooled
	building int
	lastUse  time.Time
	avail    chan struct{} // signalled when a sandbox becomes ready or a build fails
	// failed is the last build's failure (nil after a success): a job
	// that would wait for a sandbox gets it instead of waiting.
	failed *Result
}

type pooled struct {
	p   *Prepared
	mem int64
}

var moduleName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)

// NewPool returns a pool running jobs through e (its audit log, analysis
// and cgroups). Close it to tear the ready sandboxes down; closing e is
// still the caller's.
func NewPool(e *Executor, opts PoolOptions) (*Pool, error) {
	if opts.Size == 0 {
		opts.Size = 2
	}
	if opts.Refill == 0 {
		opts.Refill = 1
	}
	if opts.IdleTrim == 0 {
		opts.IdleTrim = 5 * time.Minute
	}
	if opts.Size < 0 || opts.Refill < 0 || opts.MaxMemory < 0 || opts.Wait < 0 || opts.MaxBuilds < 0 {
		return nil, fmt.Errorf("pool: negative size, refill, memory bound, wait or build bound")
	}
	for _, m := range opts.Preload {
		if !moduleName.MatchString(m) {
			return nil, fmt.Errorf("pool: preload: %q is not a module name", m)
		}
	}
	pl := &Pool{e: e, opts: opts, warm: &warmStart{preload: opts.Preload},
		sem: make(chan struct{}, opts.Refill), policies: map[string]*policyPool{}, stop: make(chan struct{})}
	if opts.IdleTrim > 0 {
		pl.wg.Add(1)
		go pl.trimLoop()
	}
	return pl, nil
}

// Fill starts building the sandboxes of pol (nil: the default policy), so
// that its first jobs find them ready.
func (pl *Pool) Fill(pol *policy.Policy) error {
	if pol == nil {
		pol = policy.Default()
	}
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if pl.closed {
		return ErrPoolClosed
	}
	pl.policyLocked(pol)
	return nil
}

// Run runs job in a warm sandbox of its policy, or — when none is ready
// within PoolOptions.Wait — cold (Executor.Run) or not at all
// (PoolOptions.NoCold: ErrPoolEmpty). Errors are Executor.Run's.
func (pl *Pool) Run(ctx context.Context, job Job) (Result, error) {
	pol := job.Policy
	if pol == nil {
		pol = policy.Default()
	}
	job.Policy = pol
	pb, failed, err := pl.take(ctx, pol)
	if err != nil {
		return Result{}, err
	}
	if pb == nil && failed != nil && pl.opts.NoCold {
		// The policy's sandboxes cannot be built here: the job gets the
		// reason, as a cold run would.
		pl.metric(func(m PoolMetrics) { m.Miss(pol.Hash()) })
		res := *failed
		res.ID = newID()
		if job.ID != "" {
			res.ID = job.ID
		}
		return res, nil
	}
	if pb == nil || !warmFits(&job, pol) {
		if pb != nil {
			// The job's environment would change how the interpreter
			// starts (its locale): the sandbox goes back, the job cold.
			pl.putBack(pol.Hash(), pb)
		}
		pl.metric(func(m PoolMetrics) { m.Miss(pol.Hash()) })
		if pl.opts.NoCold {
			return Result{}, ErrPoolEmpty
		}
		return pl.e.Run(ctx, job)
	}
	pl.metric(func(m PoolMetrics) { m.Hit(pol.Hash()) })
	// A job refused before hand-over (bad input) leaves the sandbox
	// unused: it is torn down all the same (Close after a run is a no-op).
	defer pb.p.Close()
	return pb.p.Run(ctx, job)
}

// take removes a ready sandbox of pol's pool, waiting up to Wait; nil when
// none came, with the last build's failure if it failed.
func (pl *Pool) take(ctx context.Context, pol *policy.Policy) (*pooled, *Result, error) {
	var deadline <-chan time.Time
	for {
		pl.mu.Lock()
		if pl.closed {
			pl.mu.Unlock()
			return nil, nil, ErrPoolClosed
		}
		pp := pl.policyLocked(pol)
		pp.lastUse = time.Now()
		if n := len(pp.ready); n > 0 {
			pb := pp.ready[0]
			pp.ready = pp.ready[1:]
			pl.memory -= pb.mem
			size := len(pp.ready)
			pl.refillLocked(pp)
			pl.mu.Unlock()
			pl.metric(func(m PoolMetrics) { m.Size(pp.key, size) })
			return pb, nil, nil
		}
		avail, failed := pp.avail, pp.failed
		pl.mu.Unlock()
		if pl.opts.Wait <= 0 || failed != nil {
			return nil, failed, nil
		}
		if deadline == nil {
			t := time.NewTimer(pl.opts.Wait)
			defer t.Stop()
			deadline = t.C
		}
		select {
		case <-avail:
		case <-deadline:
			return nil, nil, nil
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
	}
}

// putBack returns an unused sandbox to its pool (or closes it).
func (pl *Pool) putBack(key string, pb *pooled) {
	pl.mu.Lock()
	pp := pl.policies[key]
	if pl.closed || pp == nil || len(pp.ready) >= pl.opts.Size {
		pl.mu.Unlock()
		pb.p.Close()
		return
	}
	pp.ready = append(pp.ready, pb)
	pl.memory += pb.mem
	pl.mu.Unlock()
}

// policyLocked returns pol's pool, creating it (and starting its refill).
func (pl *Pool) policyLocked(pol *policy.Policy) *policyPool {
	key := pol.Hash()
	pp := pl.policies[key]
	if pp == nil {
		pp = &policyPool{key: key, pol: pol, lastUse: time.Now(), avail: make(chan struct{})}
		pl.policies[key] = pp
		pl.refillLocked(pp)
	}
	return pp
}

// refillLocked starts builds until the policy's ready and building
// sandboxes reach Size.
func (pl *Pool) refillLocked(pp *policyPool) {
	for !pl.closed && len(pp.ready)+pp.building < pl.opts.Size {
		if pl.opts.MaxBuilds > 0 && pl.builds >= pl.opts.MaxBuilds {
			return
		}
		pl.builds++
		pp.building++
		pl.wg.Add(1)
		go pl.build(pp)
	}
}

// build makes one sandbox for pp (at most Refill at once over the pool).
func (pl *Pool) build(pp *policyPool) {
	defer pl.wg.Done()
	select {
	case pl.sem <- struct{}{}:
	case <-pl.stop:
		pl.mu.Lock()
		pp.building--
		pl.mu.Unlock()
		return
	}
	start := time.Now()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-pl.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	p, res, err := pl.e.prepare(ctx, pp.pol, pl.warm)
	stopped := ctx.Err() != nil
	cancel()
	<-pl.sem
	d := time.Since(start)
	pl.metric(func(m PoolMetrics) { m.Refill(pp.key, d, err) })
	var mem int64
	if p != nil {
		mem = p.pooledMemory()
	}
	pl.mu.Lock()
	pp.building--
	switch {
	case p == nil:
		if !stopped {
			pp.failed = &res
			close(pp.avail)
			pp.avail = make(chan struct{})
		}
		pl.mu.Unlock()
		// A failing build is not retried in a tight loop: the next take
		// tries again, after a pause.
		pl.wg.Add(1)
		go func() {
			defer pl.wg.Done()
			select {
			case <-time.After(time.Second):
			case <-pl.stop:
				return
			}
			pl.mu.Lock()
			if pl.policies[pp.key] == pp {
				pl.refillLocked(pp)
			}
			pl.mu.Unlock()
		}()
		return
	case pl.closed || pl.policies[pp.key] != pp ||
		(pl.opts.MaxMemory > 0 && pl.memory+mem > pl.opts.MaxMemory):
		// Closed, trimmed meanwhile, or over the memory bound.
		pl.mu.Unlock()
		p.Close()
		return
	}
	pp.ready = append(pp.ready, &pooled{p: p, mem: mem})
	pp.failed = nil
	pl.memory += mem
	size := len(pp.ready)
	close(pp.avail)
	pp.avail = make(chan struct{})
	pl.mu.Unlock()
	pl.metric(func(m PoolMetrics) { m.Size(pp.key, size) })
}

// trimLoop closes the sandboxes of policies idle for IdleTrim.
func (pl *Pool) trimLoop() {
	defer pl.wg.Done()
	t := time.NewTicker(max(pl.opts.IdleTrim/4, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-pl.stop:
			return
		case <-t.C:
		}
		var drop []*pooled
		pl.mu.Lock()
		for key, pp := range pl.policies {
			if time.Since(pp.lastUse) >= pl.opts.IdleTrim {
				drop = append(drop, pp.ready...)
				for _, pb := range pp.ready {
					pl.memory -= pb.mem
				}
				delete(pl.policies, key)
				close(pp.avail)
			}
		}
		pl.mu.Unlock()
		for _, pb := range drop {
			pb.p.Close()
		}
	}
}

// Stats says what the pool holds: ready sandboxes per policy hash, and
// their memory.
func (pl *Pool) Stats() (ready map[string]int, memory int64) {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	ready = map[string]int{}
	for k, pp := range pl.policies {
		ready[k] = len(pp.ready)
	}
	return ready, pl.memory
}

// Close tears every ready sandbox down and stops refilling; jobs running
// finish. Run returns ErrPoolClosed after it.
func (pl *Pool) Close() error {
	pl.mu.Lock()
	if pl.closed {
		pl.mu.Unlock()
		return nil
	}
	pl.closed = true
	close(pl.stop)
	var drop []*pooled
	for _, pp := range pl.policies {
		drop = append(drop, pp.ready...)
		close(pp.avail)
	}
	pl.policies = map[string]*policyPool{}
	pl.memory = 0
	pl.mu.Unlock()
	for _, pb := range drop {
		pb.p.Close()
	}
	pl.wg.Wait()
	return nil
}

func (pl *Pool) metric(f func(PoolMetrics)) {
	if pl.opts.Metrics != nil {
		f(pl.opts.Metrics)
	}
}

// warmStart is how a pool's sandboxes start their interpreter.
type warmStart struct {
	preload []string
}
