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

// Appends racing with Close either land or fail with ErrClosed; the log
// verifies and every acknowledged record is in it.
func TestCloseRacingAppends(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "audit")
	wdir := t.TempDir()
	opts := testOptions(t, dir)
	opts.CheckpointEvery = 3
	opts.Witness = wdir
	l, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	var acked atomic.Int64
	done := make(chan struct{})
	for g := 0; g < 4; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for {
				_, err := l.Append(context.Background(), endRecord("race", "ok"))
				if errors.Is(err, ErrClosed) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				acked.Add(1)
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	for g := 0; g < 4; g++ {
		<-done
	}
	vo := pinnedKey(t, dir)
	vo.Witness = wdir
	rep := mustVerify(t, dir, vo)
	if !rep.Clean() || rep.Records != acked.Load() || rep.Sealed != rep.Records {
		t.Fatalf("%d records (%d sealed), %d acknowledged: %v", rep.Records, rep.Sealed, acked.Load(), rep.Findings)
	}
}
