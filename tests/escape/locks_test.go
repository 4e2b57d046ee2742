package escape

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// holdLocks takes an exclusive flock on note and a POSIX read lock on the
// SQLite database db (what a reader inside a transaction holds), both in
// read-only inputs, says so, and holds them for a while.
const holdLocks = `
import fcntl, sys, time
note, db = sys.argv[2], sys.argv[3]
f = open(note, "rb")
fcntl.flock(f, fcntl.LOCK_EX)
g = open(db, "rb")
fcntl.lockf(g, fcntl.LOCK_SH)
print("LOCKED", flush=True)
time.sleep(float(sys.argv[4]))
print("DONE")
`

// TestReadOnlyLocks: a script's locks on a read-only input. With
// filesystem.read_only_mode copy the input is the sandbox's own copy, so
// the host can still lock the file and write the database while the
// script holds its locks; with the default bind the input is the host's
// file and its locks are the host's (documented in docs/policy.md: a host
// INSERT fails with "database is locked").
func TestReadOnlyLocks(t *testing.T) {
	for _, m := range bothModes() {
		for _, mode := range []string{"copy", "bind"} {
			t.Run(m.name+"/"+mode, func(t *testing.T) {
				t.Parallel()
				needMode(t, m)
				d := newRunDir(t, m)
				// A folder of its own, outside the run dir the
				// harness checks for leftovers.
				base, err := os.MkdirTemp("/var/tmp", "cordon-locks-")
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { os.RemoveAll(base) })
				data := filepath.Join(base, "data")
				note, db := filepath.Join(data, "note.txt"), filepath.Join(data, "app.db")
				if err := os.MkdirAll(data, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(note, []byte("note\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				if out, err := exec.Command(suite.python, "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('create table t(x)'); c.commit()", db).CombinedOutput(); err != nil {
					t.Fatalf("creating the database: %v\n%s", err, out)
				}
				for _, p := range []string{base, data, note, db} {
					chownTo(t, m, p)
				}
				yaml := fmt.Sprintf("runtime:\n  interpreter: %s\nfilesystem:\n  read_only: [%s]\n  read_only_mode: %s\n", suite.python, data, mode)
				var flockErr, insertErr error
				var insertOut string
				var sawLocks bool
				o := run(t, m, d, spec{script: "hold_locks.py", source: holdLocks, yaml: yaml,
					args: []string{note, db, "4"}, limits: map[string]string{"wall_time": "30s"},
					during: func(done <-chan struct{}) {
						deadline := time.After(20 * time.Second)
						for heldLocks(d.token) < 2 {
							select {
							case <-done:
								return
							case <-deadline:
								return
							case <-time.After(20 * time.Millisecond):
							}
						}
						sawLocks = true
						flockErr = tryFlock(note)
						out, err := exec.Command(suite.python, "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1], timeout=0); c.execute('insert into t values (1)'); c.commit()", db).CombinedOutput()
						insertOut, insertErr = string(out), err
					}})
				if !sawLocks {
					t.Fatalf("the script's locks never showed in /proc/locks: %s", o)
				}
				if !strings.Contains(o.res.Stdout, "LOCKED") {
					t.Fatalf("the script did not take its locks: %s", o)
				}
				switch mode {
				case "copy":
					if flockErr != nil {
						t.Errorf("ESCAPE: the script's lock on its copy blocks the host's flock of %s: %v", note, flockErr)
					}
					if insertErr != nil {
						t.Errorf("ESCAPE: the script's lock on its copy blocks a host INSERT into %s: %v\n%s", db, insertErr, insertOut)
					}
				case "bind":
					// The documented behaviour of a bind: the host's file,
					// the host's locks.
					if !errors.Is(flockErr, unix.EWOULDBLOCK) {
						t.Errorf("bind: the host's flock of %s while the script holds one: %v, want EWOULDBLOCK (docs/policy.md says it blocks)", note, flockErr)
					}
					if insertErr == nil || !strings.Contains(insertOut, "database is locked") {
						t.Errorf("bind: a host INSERT while the script holds a read lock: %v %q, want 'database is locked' (docs/policy.md)", insertErr, insertOut)
					}
				}
			})
		}
	}
}

// tryFlock takes and drops an exclusive flock on p without waiting.
func tryFlock(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		return err
	}
	return unix.Flock(int(f.Fd()), unix.LOCK_UN)
}

// heldLocks counts the entries of /proc/locks held by processes carrying
// token.
func heldLocks(token string) int {
	pids := map[int]bool{}
	for _, p := range procsWithToken(token) {
		pids[p.pid] = true
	}
	f, err := os.Open("/proc/locks")
	if err != nil {
		return 0
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// "1: FLOCK  ADVISORY  WRITE 1234 00:2a:5 0 EOF"
		fs := strings.Fields(sc.Text())
		if len(fs) < 5 {
			continue
		}
		if pid, err := strconv.Atoi(fs[4]); err == nil && pids[pid] {
			n++
		}
	}
	return n
}
