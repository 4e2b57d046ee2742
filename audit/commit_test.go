package audit

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// A waiter returns only after a sync that started after its write; an
// fsync error reaches every waiter.
func TestCommitterWaitsForSync(t *testing.T) {
	var syncs atomic.Int64
	c := newCommitter(func() error { time.Sleep(5 * time.Millisecond); syncs.Add(1); return nil }, time.Millisecond)
	seq := c.written()
	if err := c.wait(seq); err != nil {
		t.Fatal(err)
	}
	if syncs.Load() == 0 {
		t.Fatal("wait returned before any fsync")
	}
	c.close()

	boom := errors.New("EIO")
	c = newCommitter(func() error { return boom }, time.Millisecond)
	if err := c.wait(c.written()); !errors.Is(err, boom) {
		t.Fatalf("fsync error not reported: %v", err)
	}
	if !errors.Is(c.failure(), boom) {
		t.Fatal("failure not sticky")
	}
	c.close()
}

func TestClosedLog(t *testing.T) {
	l, err := Open(testOptions(t, filepath.Join(t.TempDir(), "audit")))
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	if _, err := l.Append(context.Background(), startRecord("late")); !errors.Is(err, ErrClosed) {
		t.Fatalf("append after close: %v", err)
	}
}
