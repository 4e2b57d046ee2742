package server

// The queue between the API and the workers. Handlers and workers see only
// the Queue interface, so a queue on a message bus (NATS JetStream, with
// workers on other machines) can replace the embedded one without
// touching the handlers.

import (
	"context"
	"errors"
	"sync"
)

// ErrQueueFull is returned by Push when the queue is at capacity.
var ErrQueueFull = errors.New("queue full")

// Queue holds accepted runs until a worker may start them.
type Queue interface {
	// Push adds r without blocking, or returns ErrQueueFull.
	Push(r *Run) error
	// Pop blocks until a run may start (its tenant is under its
	// concurrency quota) or ctx ends; it returns nil when ctx ends or the
	// queue is closed and empty.
	Pop(ctx context.Context) *Run
	// Done frees the tenant slot of a popped run that finished.
	Done(r *Run)
	// Remove takes a run that is still waiting out of the queue; false
	// if it is not waiting (a worker has it, or it finished).
	Remove(id string) bool
	// Len is how many runs wait; Running how many are popped and not done.
	Len() int
	Running() int
	// Close wakes every Pop; runs still waiting are returned by Drain.
	Close()
	Drain() []*Run
}

// memQueue is the embedded queue: a bounded FIFO in memory. A run whose
// tenant is at its concurrency quota is skipped, not blocking others.
type memQueue struct {
	mu      sync.Mutex
	cond    *sync.Cond
	cap     int
	runs    []*Run
	running map[string]int // by tenant
	total   int
	closed  bool
}

func newMemQueue(capacity int) *memQueue {
	q := &memQueue{cap: capacity, running: map[string]int{}}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *memQueue) Push(r *Run) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed || len(q.runs) >= q.cap {
		return ErrQueueFull
	}
	q.runs = append(q.runs, r)
	q.cond.Broadcast()
	return nil
}

func (q *memQueue) Pop(ctx context.Context) *Run {
	stop := context.AfterFunc(ctx, func() {
		q.mu.Lock()
		q.cond.Broadcast()
		q.mu.Unlock()
	})
	defer stop()
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		if ctx.Err() != nil {
			return nil
		}
		for i, r := range q.runs {
			if q.running[r.tenant] < r.concurrency {
				q.runs = append(q.runs[:i], q.runs[i+1:]...)
				q.running[r.tenant]++
				q.total++
				return r
			}
		}
		if q.closed {
			return nil
		}
		q.cond.Wait()
	}
}

func (q *memQueue) Done(r *Run) {
	q.mu.Lock()
	q.running[r.tenant]--
	if q.running[r.tenant] <= 0 {
		delete(q.running, r.tenant)
	}
	q.total--
	q.cond.Broadcast()
	q.mu.Unlock()
}

func (q *memQueue) Remove(id string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, r := range q.runs {
		if r.ID == id {
			q.runs = append(q.runs[:i], q.runs[i+1:]...)
			return true
		}
	}
	return false
}

func (q *memQueue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.runs)
}

func (q *memQueue) Running() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.total
}

func (q *memQueue) Close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
}

func (q *memQueue) Drain() []*Run {
	q.mu.Lock()
	defer q.mu.Unlock()
	rs := q.runs
	q.runs = nil
	return rs
}
