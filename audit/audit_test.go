package audit

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/cordonsec/cordon/policy"
)

func testOptions(t *testing.T, dir string) Options {
	t.Helper()
	return Options{
		Dir:                dir,
		KeyName:            "cordon.audit/test",
		Fsync:              policy.FsyncGroup,
		CheckpointEvery:    1000,
		CheckpointInterval: time.Hour,
		GroupDelay:         time.Millisecond,
	}
}

func startRecord(run string) Record {
	return Record{Kind: KindRunStart, RunID: run, Start: &RunStart{
		Script: "job.py", ScriptSHA256: fmt.Sprintf("%064x", len(run)), PolicyHash: "p", User: "alice", Host: "h",
		Layers: []policy.Layer{policy.LayerUserNS},
	}}
}

func endRecord(run string, status string) Record {
	return Record{Kind: KindRunEnd, RunID: run, End: &RunEnd{Status: status, ExitCode: 0, Events: 1,
		Layers: map[policy.Layer]string{policy.LayerUserNS: "active"}}}
}

func eventRecord(run string) Record {
	return Record{Kind: KindSecurityEvent, RunID: run, Event: &SecurityEvent{Type: "syscall-refused", Message: "ptrace", Detail: map[string]any{"nr": 101}}}
}

func recordFor(i int) Record {
	run := fmt.Sprintf("run-%d", i/3)
	switch i % 3 {
	case 0:
		return startRecord(run)
	case 1:
		return eventRecord(run)
	}
	return endRecord(run, "ok")
}

// writeLog creates a log in a temp dir with n records (start/event/end
// triples) and closes it cleanly.
func writeLog(t testing.TB, n int, mod func(*Options)) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "audit")
	opts := Options{Dir: dir, KeyName: "cordon.audit/test", Fsync: policy.FsyncGroup,
		CheckpointEvery: 1000, CheckpointInterval: time.Hour, GroupDelay: time.Millisecond}
	if mod != nil {
		mod(&opts)
	}
	l, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; i < n; i++ {
		e, err := l.Append(ctx, recordFor(i))
		if err != nil {
			t.Fatal(err)
		}
		if e.Index != int64(i) {
			t.Fatalf("append %d got index %d", i, e.Index)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func mustVerify(t *testing.T, dir string, opts VerifyOptions) *VerifyReport {
	t.Helper()
	rep, err := Verify(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func pinnedKey(t *testing.T, dir string) VerifyOptions {
	t.Helper()
	v, err := LoadVerifier(filepath.Join(dir, "checkpoint.pub"))
	if err != nil {
		t.Fatal(err)
	}
	return VerifyOptions{Key: v}
}

func TestAppendVerifyClean(t *testing.T) {
	dir := writeLog(t, 30, nil)
	rep := mustVerify(t, dir, pinnedKey(t, dir))
	if !rep.Clean() {
		t.Fatalf("clean log: %v", rep.Findings)
	}
	if rep.Records != 30 || rep.Sealed != 30 {
		t.Fatalf("records %d sealed %d, want 30 30", rep.Records, rep.Sealed)
	}
	// Reopen and append more: one tree.
	l, err := Open(testOptions(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	e, err := l.Append(context.Background(), startRecord("again"))
	if err != nil || e.Index != 30 {
		t.Fatalf("append after reopen: %v %v", e, err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	rep = mustVerify(t, dir, pinnedKey(t, dir))
	if !rep.Clean() || rep.Records != 31 {
		t.Fatalf("after reopen: %d records, %v", rep.Records, rep.Findings)
	}
}

func chmod(p string, m os.FileMode) error { return os.Chmod(p, m) }

func recordHash(s string) tlog.Hash { return tlog.RecordHash([]byte(s)) }
