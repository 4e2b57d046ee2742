package audit

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// clock is a settable clock safe for the heartbeat goroutine.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestRotationBySizeKeepsOneTree(t *testing.T) {
	dir := writeLog(t, 60, func(o *Options) { o.RotateSize = 2000; o.CheckpointEvery = 7 })
	segs, err := listSegments(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) < 5 {
		t.Fatalf("%d segments, want several", len(segs))
	}
	rep := mustVerify(t, dir, pinnedKey(t, dir))
	if !rep.Clean() || rep.Records != 60 {
		t.Fatalf("rotated log: %d records %v", rep.Records, rep.Findings)
	}
	// A missing middle segment is a deletion at its first record.
	gone := segs[2]
	rmAll(t, filepath.Join(dir, gone.Name))
	rep = mustVerify(t, dir, pinnedKey(t, dir))
	if rep.Clean() || rep.Findings[0].Attack != AttackDeleted || rep.FirstBad != gone.First {
		t.Fatalf("deleted segment %s: %v", gone.Name, rep.Findings)
	}
}

func TestRotationByAgeAndPrune(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	dir := filepath.Join(t.TempDir(), "audit")
	opts := testOptions(t, dir)
	opts.RotateAge = time.Hour
	opts.Now = clk.Now
	l, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for day := 0; day < 4; day++ {
		for i := 0; i < 5; i++ {
			if _, err := l.Append(ctx, recordFor(i)); err != nil {
				t.Fatal(err)
			}
		}
		clk.Add(2 * time.Hour)
	}
	segs, _ := listSegments(dir)
	if len(segs) != 4 {
		t.Fatalf("%d segments, want 4 (one per 2 hours)", len(segs))
	}
	// Prune what is older than the third segment: two segments go, the
	// tree still verifies from the anchor.
	removed, err := l.Prune(ctx, clk.Now().Add(-5*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 2 {
		t.Fatalf("pruned %v, want two segments", removed)
	}
	if _, err := l.Append(ctx, recordFor(0)); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	rep := mustVerify(t, dir, VerifyOptions{Key: l.Verifier(), Now: clk.Now})
	if !rep.Clean() || rep.Pruned != 10 || rep.Records != 21 {
		t.Fatalf("after prune: pruned %d records %d %v", rep.Pruned, rep.Records, rep.Findings)
	}
	// A forged anchor fails against the checkpoints.
	anchor, err := readPruned(dir)
	if err != nil {
		t.Fatal(err)
	}
	anchor.Hashes[0][3] ^= 1
	if err := writePruned(dir, anchor); err != nil {
		t.Fatal(err)
	}
	if rep := mustVerify(t, dir, VerifyOptions{Key: l.Verifier(), Now: clk.Now}); rep.Clean() {
		t.Fatal("forged pruned anchor not caught")
	}
}

// Retention refuses to delete anything from a log that does not verify.
func TestPruneRefusesTamperedLog(t *testing.T) {
	dir := writeLog(t, 40, func(o *Options) { o.RotateSize = 1500 })
	lines := readSeg(t, dir)
	lines[1] = []byte(string(lines[1][:len(lines[1])-3]) + "x}\n")
	writeSeg(t, dir, lines)
	rmAll(t, filepath.Join(dir, checkpointsDir, ckptName(40)))
	opts := testOptions(t, dir)
	l, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	removed, err := l.Prune(context.Background(), time.Now().Add(time.Hour))
	if !errors.Is(err, ErrNotVerified) || len(removed) != 0 {
		t.Fatalf("prune of a tampered log: %v %v", removed, err)
	}
	if segs, _ := listSegments(dir); segs[0].First != 0 {
		t.Fatal("a segment was deleted")
	}
}

func TestHeartbeatSealsIdleLog(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "audit")
	opts := testOptions(t, dir)
	opts.CheckpointInterval = 40 * time.Millisecond
	l, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for i := 0; i < 3; i++ {
		if _, err := l.Append(context.Background(), recordFor(i)); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dir, checkpointsDir, ckptName(3))); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no heartbeat checkpoint while idle")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestOpenRefusesLooseKey(t *testing.T) {
	dir := writeLog(t, 1, nil)
	key := filepath.Join(dir, "checkpoint.key")
	if err := os.Chmod(key, 0o640); err != nil {
		t.Fatal(err)
	}
	_, err := Open(testOptions(t, dir))
	if !errors.Is(err, ErrKeyPermissions) {
		t.Fatalf("open with a 0640 key: %v", err)
	}
}

// Open refuses to extend a log whose records no longer match its own
// checkpoint (fail closed; verify says why).
func TestOpenRefusesTamperedLog(t *testing.T) {
	dir := writeLog(t, 9, nil)
	lines := readSeg(t, dir)
	lines[2] = []byte(string(lines[2][:len(lines[2])-3]) + "x}\n")
	writeSeg(t, dir, lines)
	rmAll(t, filepath.Join(dir, hashesName))
	if _, err := Open(testOptions(t, dir)); !errors.Is(err, ErrTampered) {
		t.Fatalf("open of a tampered log: %v", err)
	}
}
