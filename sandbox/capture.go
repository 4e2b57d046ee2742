package sandbox

// Capturing the script's stdout and stderr: each stream is read as fast as
// the script writes it and kept up to the output cap in the supervisor;
// a live copy (Streams.Stdout, Streams.Stderr) is written from that buffer at the
// reader's own pace. A slow reader (`cordon run | slow-consumer`) therefore
// never blocks the script's writes: the wall clock measures the script,
// and everything within the cap is delivered whole. Past the cap the rest
// is read and dropped (the supervisor's memory stays flat under a flood)
// and over is called once.

import (
	"context"
	"io"
	"os"
	"sync"
)

type capture struct {
	limit int64
	live  io.Writer
	over  func()

	mu        sync.Mutex
	more      *sync.Cond // signalled when buf grows, at EOF and at stop
	buf       []byte     // only ever appended to
	truncated bool
	eof       bool
	stop      bool // the live copy gives up (the run's context ended)
	done      chan struct{}
}

func newCapture(limit int64, live io.Writer, over func()) *capture {
	c := &capture{limit: limit, live: live, over: over, done: make(chan struct{})}
	c.more = sync.NewCond(&c.mu)
	if live == nil {
		close(c.done)
	} else {
		go c.forward()
	}
	return c
}

// drain reads r to its end.
func (c *capture) drain(r *os.File) {
	b := make([]byte, 32<<10)
	for {
		n, err := r.Read(b)
		if n > 0 {
			c.mu.Lock()
			keep := int64(n)
			if room := c.limit - int64(len(c.buf)); keep > room {
				keep = room
			}
			if keep > 0 {
				c.buf = append(c.buf, b[:keep]...)
				c.more.Broadcast()
			}
			first := int64(n) > keep && !c.truncated
			if first {
				c.truncated = true
			}
			c.mu.Unlock()
			if first {
				c.over()
			}
		}
		if err != nil {
			c.mu.Lock()
			c.eof = true
			c.more.Broadcast()
			c.mu.Unlock()
			return
		}
	}
}

// forward writes the kept bytes to the live writer as they arrive. The
// bytes below len(buf) never change (buf is only appended to), so they
// are written without the lock.
func (c *capture) forward() {
	defer close(c.done)
	sent := 0
	for {
		c.mu.Lock()
		for sent == len(c.buf) && !c.eof && !c.stop {
			c.more.Wait()
		}
		if c.stop || sent == len(c.buf) {
			c.mu.Unlock()
			return
		}
		chunk := c.buf[sent:len(c.buf):len(c.buf)]
		c.mu.Unlock()
		if _, err := c.live.Write(chunk); err != nil {
			return // a closed pipe: the reader is gone, the capture goes on
		}
		sent += len(chunk)
	}
}

// delivered waits until the live copy has written everything kept, or
// ctx ends (then the copy stops at its next chunk).
func (c *capture) delivered(ctx context.Context) {
	select {
	case <-c.done:
	case <-ctx.Done():
		c.mu.Lock()
		c.stop = true
		c.more.Broadcast()
		c.mu.Unlock()
	}
}

func (c *capture) text() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return string(c.buf)
}

func (c *capture) cut() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.truncated
}
