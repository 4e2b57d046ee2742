package server

// A run's stdout and stderr as they come, for GET /v1/runs/{id}/events.
// The library enforces the output cap before anything is written here
// (Job.Stdout/Stderr receive exactly the bytes the result keeps), so this
// holds at most twice limits.output; a reader that stops reading costs
// nothing here: writers never wait for readers.

import (
	"io"
	"sync"
)

type output struct {
	mu    sync.Mutex
	buf   [2][]byte // live, until the run ends
	final [2]string // the result's stdout and stderr once it has ended
	ended bool
	wake  chan struct{} // closed and replaced on every change
}

func (o *output) init() { o.wake = make(chan struct{}) }

type streamWriter struct {
	o *output
	i int
}

func (w streamWriter) Write(p []byte) (int, error) {
	w.o.mu.Lock()
	w.o.buf[w.i] = append(w.o.buf[w.i], p...)
	close(w.o.wake)
	w.o.wake = make(chan struct{})
	w.o.mu.Unlock()
	return len(p), nil
}

func (o *output) writer(i int) io.Writer { return streamWriter{o, i} }

// end swaps the live buffers for the result's strings (the same bytes) and
// wakes every reader.
func (o *output) end(stdout, stderr string) {
	o.mu.Lock()
	o.final = [2]string{stdout, stderr}
	o.buf = [2][]byte{}
	o.ended = true
	close(o.wake)
	o.wake = make(chan struct{})
	o.mu.Unlock()
}

// read copies at most max bytes of stream i from off; it also returns the
// stream's length, whether the run ended and a channel closed on the next
// change.
func (o *output) read(i, off, max int) ([]byte, int, bool, <-chan struct{}) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var n int
	var chunk []byte
	if o.ended {
		n = len(o.final[i])
		if off < n {
			chunk = []byte(o.final[i][off:min(n, off+max)])
		}
	} else {
		n = len(o.buf[i])
		if off < n {
			chunk = append([]byte(nil), o.buf[i][off:min(n, off+max)]...)
		}
	}
	return chunk, n, o.ended, o.wake
}
