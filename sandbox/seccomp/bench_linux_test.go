//go:build linux

package seccomp

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// BenchmarkSyscall measures, in a filtered child, an allowed syscall
// (getppid: through the prefix and the allow-list) and a refused one
// answered by the notifier (acct on a missing path), against the same
// calls in this unfiltered process.
//
//	go test -run '^$' -bench Syscall ./sandbox/seccomp
func BenchmarkSyscall(b *testing.B) {
	for _, tc := range []struct {
		name string
		nr   uintptr
	}{{"allowed-getppid", unix.SYS_GETPPID}, {"refused-acct", unix.SYS_ACCT}} {
		b.Run("filtered/"+tc.name, func(b *testing.B) {
			out, _ := runFilteredN(b, nil, "bench", "BENCH_NR="+strconv.Itoa(int(tc.nr)), "BENCH_N="+strconv.Itoa(b.N))
			ns, err := strconv.ParseFloat(strings.TrimSpace(out), 64)
			if err != nil {
				b.Fatalf("child output %q", out)
			}
			b.ReportMetric(ns, "ns/call")
		})
		b.Run("unfiltered/"+tc.name, func(b *testing.B) {
			p := cstr("/nonexistent-cordon-test/x")
			start := time.Now()
			for range b.N {
				unix.Syscall(tc.nr, p, 0, 0)
			}
			b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N), "ns/call")
		})
	}
}

// benchChild loops BENCH_N calls of BENCH_NR and prints ns per call.
func benchChild() {
	nr, _ := strconv.Atoi(os.Getenv("BENCH_NR"))
	n, _ := strconv.Atoi(os.Getenv("BENCH_N"))
	p := cstr("/nonexistent-cordon-test/x")
	start := time.Now()
	for range n {
		unix.Syscall(uintptr(nr), p, 0, 0)
	}
	os.Stdout.WriteString(strconv.FormatFloat(float64(time.Since(start).Nanoseconds())/float64(max(n, 1)), 'f', 1, 64) + "\n")
}

// BenchmarkBuild measures assembling the filter (done once per supervisor,
// or per prepared sandbox).
func BenchmarkBuild(b *testing.B) {
	for b.Loop() {
		if _, err := Build(Options{Report: true}); err != nil {
			b.Fatal(err)
		}
	}
}
