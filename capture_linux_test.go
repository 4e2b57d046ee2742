//go:build linux

package cordon

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cordonsec/cordon/policy"
)

// slowWriter takes its time over the first write, like `cordon run | (sleep
// 3; wc -c)`.
type slowWriter struct {
	mu    sync.Mutex
	delay time.Duration
	buf   bytes.Buffer
}

func (w *slowWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.delay > 0 {
		time.Sleep(w.delay)
		w.delay = 0
	}
	return w.buf.Write(b)
}

// TestSlowReader: a reader slower than the wall limit neither stretches
// the run nor loses output within the cap (it used to end as timeout with
// part of the output lost: the script blocked on a full pipe).
func TestSlowReader(t *testing.T) {
	needPython(t)
	// The reader stalls longer than the wall limit; the limit leaves a
	// loaded machine room to start the interpreter.
	w := &slowWriter{delay: 10 * time.Second}
	res := run(t, "import sys\nsys.stdout.write('x' * (512 << 10))\n", func(p *policy.Policy) {
		p.Limits.WallTime = policy.Duration(8 * time.Second)
		p.Limits.CPUTime = policy.Duration(2 * time.Second)
	}, Job{Stdout: w})
	if res.Status != StatusOK {
		t.Fatalf("status %s (%s), want ok", res.Status, res.Error)
	}
	if res.Usage.WallMS >= 8000 {
		t.Errorf("wall %d ms: the reader's pace counted against the script", res.Usage.WallMS)
	}
	w.mu.Lock()
	got := w.buf.Len()
	w.mu.Unlock()
	if got != 512<<10 || len(res.Stdout) != 512<<10 {
		t.Fatalf("delivered %d bytes live, %d in the result; want %d both", got, len(res.Stdout), 512<<10)
	}
}

// lineWaiter closes seen once its text was written.
type lineWaiter struct {
	mu   sync.Mutex
	buf  strings.Builder
	want string
	seen chan struct{}
}

func (w *lineWaiter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	before := strings.Contains(w.buf.String(), w.want)
	w.buf.Write(b)
	if !before && strings.Contains(w.buf.String(), w.want) {
		close(w.seen)
	}
	return len(b), nil
}

// TestUnbufferedLive: with Job.Unbuffered a print reaches Stdout while the
// script still runs (without it Python holds it in its block buffer until
// the end: the script below would wait for stdin forever).
func TestUnbufferedLive(t *testing.T) {
	needPython(t)
	ex, _ := NewExecutor(Options{})
	defer ex.Close()
	pr, pw := io.Pipe()
	w := &lineWaiter{want: "first\n", seen: make(chan struct{})}
	late := make(chan bool, 1)
	go func() {
		select {
		case <-w.seen:
			late <- false
		case <-time.After(8 * time.Second):
			late <- true
		}
		pw.Write([]byte("go\n"))
		pw.Close()
	}()
	p := testPolicy()
	p.Limits.WallTime = policy.Duration(20 * time.Second)
	res, err := ex.Run(context.Background(), Job{Source: []byte("import sys\nprint('first')\nline = sys.stdin.readline()\nprint('second', line.strip())\n"),
		Policy: p, Stdin: pr, Stdout: w, Unbuffered: true})
	if err != nil {
		t.Fatal(err)
	}
	if <-late {
		t.Fatalf("nothing arrived while the script waited for its input; result %s %q", res.Status, res.Stdout)
	}
	if res.Status != StatusOK || res.Stdout != "first\nsecond go\n" {
		t.Fatalf("status %s stdout %q", res.Status, res.Stdout)
	}
}
