package audit

import (
	"sync"
	"time"
)

// committer fsyncs records in groups: appends bump a counter, one
// goroutine waits GroupDelay to gather more, fsyncs once and wakes the
// appenders that asked to wait.
type committer struct {
	sync   func() error
	delay  time.Duration
	mu     sync.Mutex
	cond   *sync.Cond
	wrote  uint64
	synced uint64
	err    error
	kick   chan struct{}
	quit   chan struct{}
	done   chan struct{}
}

func newCommitter(sync func() error, delay time.Duration) *committer {
	c := &committer{sync: sync, delay: delay, kick: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	c.cond = newCond(&c.mu)
	go c.loop()
	return c
}

func newCond(m *sync.Mutex) *sync.Cond { return sync.NewCond(m) }

// written counts one more written record and returns its sequence number.
func (c *committer) written() uint64 {
	c.mu.Lock()
	c.wrote++
	seq := c.wrote
	c.mu.Unlock()
	select {
	case c.kick <- struct{}{}:
	default:
	}
	return seq
}

// wait returns once record seq is on disk, or the error that kept it off.
// It does not give up early: a caller that stopped waiting would not know
// whether its record is durable.
func (c *committer) wait(seq uint64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.synced < seq && c.err == nil {
		c.cond.Wait()
	}
	if c.synced >= seq {
		return nil
	}
	return c.err
}

func (c *committer) loop() {
	defer close(c.done)
	t := time.NewTimer(time.Hour)
	t.Stop()
	for {
		select {
		case <-c.kick:
		case <-c.quit:
			c.flush()
			return
		}
		t.Reset(c.delay)
		select {
		case <-t.C:
		case <-c.quit:
			t.Stop()
			c.flush()
			return
		}
		c.flush()
	}
}

func (c *committer) flush() {
	c.mu.Lock()
	target := c.wrote
	done := c.synced >= target
	c.mu.Unlock()
	if done {
		return
	}
	err := c.sync()
	c.mu.Lock()
	if err != nil {
		if c.err == nil {
			c.err = err
		}
	} else if target > c.synced {
		c.synced = target
	}
	c.cond.Broadcast()
	c.mu.Unlock()
}

// failure returns the fsync error that stopped group commits, if any.
func (c *committer) failure() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *committer) close() {
	close(c.quit)
	<-c.done
}
