package audit

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestCrashAtEveryByte simulates a writer killed at every byte offset of
// a record: the segment is cut there, with the hash file either before or
// after the record's hashes were written. The next open must repair the
// log, record the repair, and leave a log that verifies.
func TestCrashAtEveryByte(t *testing.T) {
	base := writeLog(t, 5, nil)
	// Append a sixth record without a clean close: its checkpoint never
	// happens, as in a crash.
	after := filepath.Join(t.TempDir(), "after")
	copyDir(t, base, after)
	l, err := Open(testOptions(t, after))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(context.Background(), startRecord("crash")); err != nil {
		t.Fatal(err)
	}
	segAfter, _ := os.ReadFile(segPath(after))
	hashesAfter, _ := os.ReadFile(filepath.Join(after, hashesName))
	l.closeFiles() // no final checkpoint: the process "died"
	segBefore, _ := os.ReadFile(segPath(base))
	hashesBefore, _ := os.ReadFile(filepath.Join(base, hashesName))
	key := pinnedKey(t, base)

	for off := len(segBefore); off <= len(segAfter); off++ {
		for _, hashes := range [][]byte{hashesBefore, hashesAfter, hashesAfter[:len(hashesAfter)-7]} {
			dir := filepath.Join(t.TempDir(), "audit")
			copyDir(t, base, dir)
			if err := os.WriteFile(segPath(dir), segAfter[:off], 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, hashesName), hashes, 0o600); err != nil {
				t.Fatal(err)
			}
			// Before repair, verify accepts the complete records and
			// names a torn tail as such.
			rep := mustVerify(t, dir, key)
			if off < len(segAfter) && off > len(segBefore) && (len(rep.Findings) == 0 || rep.Findings[0].Attack != AttackTruncated || rep.FirstBad != 5) {
				t.Fatalf("offset %d: torn tail not reported: %v", off, rep.Findings)
			}
			l, err := Open(testOptions(t, dir))
			if err != nil {
				t.Fatalf("offset %d: open after crash: %v", off, err)
			}
			n := l.Size()
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			rep = mustVerify(t, dir, key)
			if !rep.Clean() {
				t.Fatalf("offset %d: not clean after repair: %v", off, rep.Findings)
			}
			torn := off > len(segBefore) && off < len(segAfter)
			want := int64(5)
			if off == len(segAfter) {
				want = 6
			}
			recs := readAll(t, dir)
			hashesFixed := off == len(segAfter) && len(hashes) != len(hashesAfter) ||
				off <= len(segAfter) && off < len(segAfter) && len(hashes) != len(hashesBefore)
			if torn || hashesFixed {
				want++ // the log-repaired record
				if last := recs[len(recs)-1]; last.Kind != KindLogRepaired {
					t.Fatalf("offset %d: last record is %s, want log-repaired", off, last.Kind)
				}
				if torn && recs[len(recs)-1].Repair.BytesDropped != int64(off-len(segBefore)) {
					t.Fatalf("offset %d: repair says %d bytes dropped", off, recs[len(recs)-1].Repair.BytesDropped)
				}
			}
			if n != want {
				t.Fatalf("offset %d: %d records after repair, want %d", off, n, want)
			}
		}
	}
}

func readAll(t *testing.T, dir string) []Record {
	t.Helper()
	segs, err := listSegments(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []Record
	err = readLines(dir, segs, 0, func(i int64, line []byte) error {
		_, r, err := ParseRecord(line)
		out = append(out, r)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A crash right after rotation leaves an empty (or torn) new segment: the
// next open continues in it and the log verifies.
func TestCrashDuringRotation(t *testing.T) {
	for _, tail := range []string{"", `{"i":9,"t":"2026-`} {
		dir := writeLog(t, 9, func(o *Options) { o.RotateSize = 1500 })
		segs, _ := listSegments(dir)
		last := segs[len(segs)-1]
		// What a writer that died after creating the next segment left.
		if err := os.WriteFile(filepath.Join(dir, segName(9)), []byte(tail), 0o600); err != nil {
			t.Fatal(err)
		}
		l, err := Open(testOptions(t, dir))
		if err != nil {
			t.Fatalf("tail %q: %v", tail, err)
		}
		e, err := l.Append(context.Background(), startRecord("after"))
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		want := int64(9)
		if tail != "" {
			want = 10 // after the log-repaired record
		}
		if e.Index != want {
			t.Fatalf("tail %q: appended at %d, want %d (last segment before: %s)", tail, e.Index, want, last.Name)
		}
		if rep := mustVerify(t, dir, pinnedKey(t, dir)); !rep.Clean() {
			t.Fatalf("tail %q: %v", tail, rep.Findings)
		}
	}
}
