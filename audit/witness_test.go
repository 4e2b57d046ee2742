package audit

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWitnessDirAndExec(t *testing.T) {
	wdir := filepath.Join(t.TempDir(), "witness")
	if err := os.Mkdir(wdir, 0o700); err != nil {
		t.Fatal(err)
	}
	dir := writeLog(t, 12, func(o *Options) { o.CheckpointEvery = 5; o.Witness = wdir })
	names, err := listCheckpointFiles(wdir)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(names, ",") != ckptName(5)+","+ckptName(10)+","+ckptName(12) {
		t.Fatalf("witness holds %v", names)
	}
	opts := pinnedKey(t, dir)
	opts.Witness = wdir
	if rep := mustVerify(t, dir, opts); !rep.Clean() || rep.Checkpoints != 5 { // the log thinned 10 away; the witness keeps 5, 10, 12
		t.Fatalf("with witness: %d checkpoints, %v", rep.Checkpoints, rep.Findings)
	}

	// exec: the command gets the signed note on stdin.
	got := filepath.Join(t.TempDir(), "got")
	dir2 := writeLog(t, 3, func(o *Options) { o.Witness = "exec:cat > " + got + ".$CORDON_CHECKPOINT_SIZE" })
	b, err := os.ReadFile(got + ".3")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenCheckpoint(b, pinnedKey(t, dir2).Key); err != nil {
		t.Fatalf("witness command got %q: %v", b, err)
	}

	// A witness that fails is reported by Checkpoint and Close.
	l, err := Open(Options{Dir: filepath.Join(t.TempDir(), "audit"), KeyName: "cordon.audit/test", Witness: "exec:echo refused >&2; exit 3"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(context.Background(), startRecord("w")); err != nil {
		t.Fatal(err)
	}
	if err := l.Checkpoint(context.Background()); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("failing witness: %v", err)
	}
	l.Close()
}

func TestDefaultDirAndOptions(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", "/x/state")
	if got := DefaultDir(); got != "/x/state/cordon/audit" {
		t.Fatalf("DefaultDir with XDG_STATE_HOME: %s", got)
	}
	t.Setenv("XDG_STATE_HOME", "")
	t.Setenv("HOME", "/home/u")
	want := "/home/u/.local/state/cordon/audit"
	if os.Geteuid() == 0 {
		want = "/var/lib/cordon/audit"
	}
	if got := DefaultDir(); got != want {
		t.Fatalf("DefaultDir: %s, want %s", got, want)
	}
	var o Options
	o.fill()
	if o.Fsync != "group" || o.CheckpointEvery != 1000 || o.RotateSize != 64<<20 || o.SigningKey != filepath.Join(want, "checkpoint.key") {
		t.Fatalf("defaults: %+v", o)
	}
}

// A log checkpointed after every few records keeps one checkpoint per
// CheckpointEvery block plus the newest; the witness keeps them all.
func TestCheckpointThinning(t *testing.T) {
	wdir := t.TempDir()
	dir := filepath.Join(t.TempDir(), "audit")
	opts := testOptions(t, dir)
	opts.CheckpointEvery = 10
	opts.Witness = wdir
	for run := 0; run < 8; run++ { // a process per run: open, 3 records, close
		l, err := Open(opts)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			if _, err := l.Append(context.Background(), recordFor(i)); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
	names, _ := listCheckpointFiles(filepath.Join(dir, checkpointsDir))
	if strings.Join(names, ",") != strings.Join([]string{ckptName(9), ckptName(18), ckptName(24)}, ",") {
		t.Fatalf("log keeps %v", names)
	}
	if w, _ := listCheckpointFiles(wdir); len(w) != 8 {
		t.Fatalf("witness keeps %v", w)
	}
	vo := pinnedKey(t, dir)
	vo.Witness = wdir
	if rep := mustVerify(t, dir, vo); !rep.Clean() {
		t.Fatal(rep.Findings)
	}
}
