package audit

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cordonsec/cordon/policy"
)

// TestMain lets the test binary act as a second writer process.
func TestMain(m *testing.M) {
	if dir := os.Getenv("CORDON_AUDIT_HELPER_DIR"); dir != "" {
		os.Exit(helperAppend(dir))
	}
	if root := os.Getenv("CORDON_AUDIT_HELPER_UNPRIV"); root != "" {
		os.Exit(helperUnpriv(root))
	}
	code := m.Run()
	for _, d := range benchCleanup {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

func helperAppend(dir string) int {
	n, _ := strconv.Atoi(os.Getenv("CORDON_AUDIT_HELPER_N"))
	l, err := Open(Options{Dir: dir, KeyName: "cordon.audit/test", Fsync: policy.FsyncGroup,
		CheckpointEvery: 50, CheckpointInterval: time.Hour, GroupDelay: time.Millisecond, RotateSize: 8000})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for i := 0; i < n; i++ {
		if _, err := l.Append(context.Background(), recordFor(i)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	if err := l.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// TestConcurrentWriters runs writer processes and goroutines with their
// own Log handles, all appending to one directory at once: one tree, every
// record once, verify clean.
func TestConcurrentWriters(t *testing.T) {
	dir := writeLog(t, 3, nil) // create the key first
	const procs, goroutines, per = 3, 3, 150
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, procs+goroutines)
	for p := 0; p < procs; p++ {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), "CORDON_AUDIT_HELPER_DIR="+dir, "CORDON_AUDIT_HELPER_N="+strconv.Itoa(per))
		wg.Add(1)
		go func() {
			defer wg.Done()
			if out, err := cmd.CombinedOutput(); err != nil {
				errs <- fmt.Errorf("writer process: %v: %s", err, out)
			}
		}()
	}
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			opts := testOptions(t, dir)
			opts.RotateSize = 8000
			l, err := Open(opts)
			if err != nil {
				errs <- err
				return
			}
			var inner sync.WaitGroup
			for k := 0; k < 2; k++ { // one handle shared by two goroutines
				inner.Add(1)
				go func() {
					defer inner.Done()
					for i := 0; i < per/2; i++ {
						if _, err := l.Append(context.Background(), recordFor(i)); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			inner.Wait()
			if err := l.Close(); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	rep := mustVerify(t, dir, pinnedKey(t, dir))
	if !rep.Clean() {
		t.Fatalf("concurrent log: %v", rep.Findings)
	}
	if want := int64(3 + (procs+goroutines)*per); rep.Records != want {
		t.Fatalf("%d records, want %d", rep.Records, want)
	}
	if rep.Segments < 10 {
		t.Fatalf("%d segments: rotation did not happen under concurrency", rep.Segments)
	}
	err = ReadRecords(dir, func(i int64, rec Record) error {
		if rec.Kind == KindLogRepaired {
			return fmt.Errorf("record %d: a repair without a crash: %+v", i, rec.Repair)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
