package audit

import (
	"context"
	"path/filepath"
	"testing"
)

func TestUnfinishedRuns(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "audit")
	l, err := Open(testOptions(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, r := range []Record{
		startRecord("a"), startRecord("b"), eventRecord("b"), endRecord("a", "ok"), startRecord("c"),
	} {
		if _, err := l.Append(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := UnfinishedRuns(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].RunID != "b" || got[0].Index != 1 || got[1].RunID != "c" || got[1].Script != "job.py" {
		t.Fatalf("unfinished = %+v, want runs b (record 1) and c", got)
	}
}
