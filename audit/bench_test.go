package audit

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/cordonsec/cordon/policy"
)

func benchOpen(b *testing.B, mode policy.FsyncMode) *Log {
	b.Helper()
	l, err := Open(Options{Dir: filepath.Join(b.TempDir(), "audit"), KeyName: "cordon.audit/bench",
		Fsync: mode, CheckpointEvery: 100000, CheckpointInterval: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	return l
}

// BenchmarkAppendGrouped: run-end and event records (not waited for)
// with group commit, from one goroutine.
func BenchmarkAppendGrouped(b *testing.B) {
	l := benchOpen(b, policy.FsyncGroup)
	ctx := context.Background()
	rec := endRecord("bench", "ok")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := l.Append(ctx, rec); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
	l.Close()
}

// BenchmarkAppendGroupedDurable: every append waits for its group's
// fsync (as a run-start does), from 64 goroutines.
func BenchmarkAppendGroupedDurable(b *testing.B) {
	l := benchOpen(b, policy.FsyncGroup)
	ctx := context.Background()
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		rec := startRecord("bench")
		for pb.Next() {
			if _, err := l.Append(ctx, rec); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
	l.Close()
}

// BenchmarkAppendPerRecordFsync: fsync before every Append returns.
func BenchmarkAppendPerRecordFsync(b *testing.B) {
	l := benchOpen(b, policy.FsyncRecord)
	ctx := context.Background()
	rec := startRecord("bench")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := l.Append(ctx, rec); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
	l.Close()
}

var (
	// benchCleanup lists dirs TestMain removes after the run.
	benchCleanup []string
	bigOnce      sync.Once
	bigDir       string
	bigErr       error
)

// bigLog builds (once per run) a log of 1,000,000 records.
func bigLog(b *testing.B) string {
	bigOnce.Do(func() {
		tmp, err := os.MkdirTemp("", "cordon-audit-bench-")
		if err != nil {
			bigErr = err
			return
		}
		dir := filepath.Join(tmp, "big")
		benchCleanup = append(benchCleanup, tmp)
		l, err := Open(Options{Dir: dir, KeyName: "cordon.audit/bench", Fsync: policy.FsyncGroup,
			CheckpointEvery: 250000, CheckpointInterval: time.Hour})
		if err != nil {
			bigErr = err
			return
		}
		ctx := context.Background()
		// Events and run ends: a run-start would wait for its group's
		// fsync, which measures the disk, not the log.
		ev, end := eventRecord("bench"), endRecord("bench", "ok")
		for i := 0; i < 1_000_000; i++ {
			rec := ev
			if i%2 == 1 {
				rec = end
			}
			if _, err := l.Append(ctx, rec); err != nil {
				bigErr = err
				return
			}
		}
		bigErr = l.Close()
		bigDir = dir
	})
	if bigErr != nil {
		b.Fatal(bigErr)
	}
	return bigDir
}

// BenchmarkVerify1M recomputes a log of a million records.
func BenchmarkVerify1M(b *testing.B) {
	dir := bigLog(b)
	opts := VerifyOptions{MaxUnsealed: -1}
	b.ResetTimer()
	var recs int64
	for i := 0; i < b.N; i++ {
		rep, err := Verify(dir, opts)
		if err != nil || !rep.Clean() {
			b.Fatal(err, rep.Findings)
		}
		recs += rep.Records
	}
	b.StopTimer()
	b.ReportMetric(float64(recs)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkProve1M proves a record of a million-record tree from the
// stored hashes and checks it, as check-proof does.
func BenchmarkProve1M(b *testing.B) {
	dir := bigLog(b)
	l, err := Open(Options{Dir: dir, KeyName: "cordon.audit/bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	n := l.Size()
	root, err := tlog.TreeHash(n, &l.hashes)
	if err != nil {
		b.Fatal(err)
	}
	var size int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		idx := int64(i*7919) % n
		p, err := tlog.ProveRecord(n, idx, &l.hashes)
		if err != nil {
			b.Fatal(err)
		}
		leaf, err := l.hashes.leaf(idx)
		if err != nil {
			b.Fatal(err)
		}
		if err := tlog.CheckRecord(p, n, root, idx, leaf); err != nil {
			b.Fatal(err)
		}
		size = len(p) * tlog.HashSize
	}
	b.StopTimer()
	b.ReportMetric(float64(size), "proof-bytes")
}
