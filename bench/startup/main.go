// Command startup measures a hello-world's latency and throughput side by
// side, in one run: bare /usr/bin/python3, bubblewrap (when installed),
// a cold `cordon run` (the CLI), a cold Executor.Run, a prepared sandbox
// (timed from hand-over) and the warm pool (Pool.Run, refilled while it is
// measured, so its throughput pays for the refill; "warm-ready" times each
// job from hand-over once the pool is full again). Every Cordon mode uses
// runtime.interpreter /usr/bin/python3. For each mode and parallelism it
// prints mean, p50 and p99 latency, runs/s, and beside every ratio to bare
// python3 the milliseconds added.
//
//	go build -o /tmp/cordon ./cmd/cordon
//	go run ./bench/startup -cordon /tmp/cordon -n 40 -par 1,2,8
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cordonsec/cordon"
	"github.com/cordonsec/cordon/policy"
)

const python = "/usr/bin/python3"

func main() {
	n := flag.Int("n", 40, "runs per mode and parallelism")
	pars := flag.String("par", "1,2,8", "parallelism levels")
	bin := flag.String("cordon", "", "cordon binary for the CLI mode (skipped when empty)")
	auditOn := flag.Bool("audit", false, "keep the audit layer on (a log in a temp dir)")
	modes := flag.String("modes", "bare,bwrap,cli,cold,prepared,warm,warm-ready", "modes to measure")
	flag.Parse()

	dir, err := os.MkdirTemp("", "cordon-bench-")
	check(err)
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "hello.py")
	check(os.WriteFile(script, []byte("print(\"hello\")\n"), 0o644))
	pol := policy.Default()
	pol.Runtime.Interpreter = python
	pol.Audit.Dir = filepath.Join(dir, "audit")
	pol.Audit.Enabled = *auditOn
	polFile := filepath.Join(dir, "policy.yaml")
	yaml := fmt.Sprintf("runtime:\n  interpreter: %s\naudit:\n  enabled: %v\n  dir: %s\n", python, *auditOn, pol.Audit.Dir)
	check(os.WriteFile(polFile, []byte(yaml), 0o644))

	ex, err := cordon.NewExecutor(cordon.Options{})
	check(err)
	defer ex.Close()
	job := func() cordon.Job { return cordon.Job{Script: script, Policy: pol} }
	ok := func(res cordon.Result, err error) {
		if err != nil || res.Status != cordon.StatusOK {
			fmt.Fprintf(os.Stderr, "startup: run failed: %v %s %s %s\n", err, res.Status, res.Error, res.Stderr)
			os.Exit(1)
		}
	}
	command := func(argv ...string) func() time.Duration {
		return func() time.Duration {
			t := time.Now()
			out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
			if err != nil || string(out) != "hello\n" {
				fmt.Fprintf(os.Stderr, "startup: %s: %v %q\n", argv[0], err, out)
				os.Exit(1)
			}
			return time.Since(t)
		}
	}
	// warm measures the pool (Size 2×par, refilled while measured). With
	// ready, each job is timed from hand-over once the pool is full again,
	// so the wait for a sandbox is not in it (the refill the job triggers
	// still runs beside it); without, the wait and the refill's CPU are in
	// its latency and runs/s, the sustained rate.
	warm := func(ready bool) func(par int) (func() time.Duration, func()) {
		return func(par int) (func() time.Duration, func()) {
			pl, err := cordon.NewPool(ex, cordon.PoolOptions{Size: 2 * par, Refill: 2, Wait: time.Minute, IdleTrim: -1})
			check(err)
			check(pl.Fill(pol))
			full := func(pause time.Duration) {
				for {
					if n, _ := pl.Stats(); n[pol.Hash()] == 2*par {
						return
					}
					time.Sleep(pause)
				}
			}
			full(10 * time.Millisecond)
			return func() time.Duration {
				if ready {
					full(2 * time.Millisecond)
				}
				t := time.Now()
				res, err := pl.Run(context.Background(), job())
				ok(res, err)
				d := time.Since(t)
				if !res.Warm {
					fmt.Fprintln(os.Stderr, "startup: a pool run was cold (pool empty)")
				}
				return d
			}, func() { pl.Close() }
		}
	}
	all := map[string]func(par int) (func() time.Duration, func()){
		"bare": func(int) (func() time.Duration, func()) {
			return command(python, "-E", "-s", script), nil
		},
		"bwrap": func(int) (func() time.Duration, func()) {
			if _, err := exec.LookPath("bwrap"); err != nil {
				return nil, nil
			}
			return command("bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--tmpfs", "/tmp",
				"--ro-bind", "/usr", "/usr", "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/lib", "/lib",
				"--symlink", "usr/bin", "/bin", "--ro-bind", dir, dir, "--proc", "/proc", "--dev", "/dev",
				python, "-E", "-s", script), nil
		},
		"cli": func(int) (func() time.Duration, func()) {
			if *bin == "" {
				return nil, nil
			}
			return command(*bin, "run", "--policy", polFile, script), nil
		},
		"cold": func(int) (func() time.Duration, func()) {
			return func() time.Duration {
				t := time.Now()
				ok(ex.Run(context.Background(), job()))
				return time.Since(t)
			}, nil
		},
		"prepared": func(int) (func() time.Duration, func()) {
			// Latency from hand-over; the preparation is in the runs/s.
			return func() time.Duration {
				p, err := ex.Prepare(context.Background(), pol)
				check(err)
				t := time.Now()
				ok(p.Run(context.Background(), job()))
				return time.Since(t)
			}, nil
		},
		"warm":       warm(false),
		"warm-ready": warm(true),
	}
	var bare map[int]float64 = map[int]float64{}
	fmt.Printf("%-9s %3s %9s %9s %9s %8s  %-18s\n", "mode", "par", "mean ms", "p50 ms", "p99 ms", "runs/s", "mean vs bare")
	for _, par := range parse(*pars) {
		for _, m := range strings.Split(*modes, ",") {
			mk := all[m]
			if mk == nil {
				continue
			}
			f, stop := mk(par)
			if f == nil {
				fmt.Printf("%-9s %3d  skipped\n", m, par)
				continue
			}
			f() // warm-up
			lat, rate := measure(f, *n, par)
			if stop != nil {
				stop()
			}
			mean, p50, p99 := stats(lat)
			if m == "bare" {
				bare[par] = mean
			}
			vs := ""
			if b := bare[par]; b > 0 {
				vs = fmt.Sprintf("×%.2f (%+.1f ms)", mean/b, mean-b)
			}
			fmt.Printf("%-9s %3d %9.1f %9.1f %9.1f %8.1f  %-18s\n", m, par, mean, p50, p99, rate, vs)
		}
	}
}

// measure runs f n times on par workers; latencies in ms and runs/s.
func measure(f func() time.Duration, n, par int) ([]float64, float64) {
	var mu sync.Mutex
	var lat []float64
	var wg sync.WaitGroup
	next := make(chan struct{}, n)
	for i := 0; i < n; i++ {
		next <- struct{}{}
	}
	close(next)
	start := time.Now()
	for w := 0; w < par; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				d := f()
				mu.Lock()
				lat = append(lat, float64(d.Microseconds())/1000)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return lat, float64(n) / time.Since(start).Seconds()
}

func stats(v []float64) (mean, p50, p99 float64) {
	slices.Sort(v)
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	return mean, v[len(v)/2], v[min(len(v)-1, len(v)*99/100)]
}

func parse(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		check(err)
		out = append(out, n)
	}
	return out
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "startup:", err)
		os.Exit(1)
	}
}
