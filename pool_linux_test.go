//go:build linux

package cordon

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cordonsec/cordon/policy"
)

func newTestPool(t *testing.T, opts PoolOptions) *Pool {
	t.Helper()
	needPython(t)
	ex, err := NewExecutor(Options{})
	if err != nil {
		t.Fatal(err)
	}
	pl, err := NewPool(ex, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pl.Close(); ex.Close() })
	return pl
}

// waitReady waits until the pool holds n sandboxes of pol's hash.
func waitReady(t *testing.T, pl *Pool, key string, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if ready, _ := pl.Stats(); ready[key] >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the pool did not get %d sandboxes ready", n)
}

// A warm job runs as __main__ exactly as a cold one: the same output for
// a script that prints what it can see of how it was started.
func TestWarmLikeCold(t *testing.T) {
	pl := newTestPool(t, PoolOptions{Size: 1})
	pol := testPolicy()
	if err := pl.Fill(pol); err != nil {
		t.Fatal(err)
	}
	waitReady(t, pl, pol.Hash(), 1)
	src := `import sys, os, atexit
atexit.register(lambda: print("atexit ran"))
print("argv", sys.argv)
print("orig", sys.orig_argv[1:])
print("file", __file__, __name__, __spec__, __package__, type(__loader__).__name__)
print("path0", sys.path[0])
print("cwd", os.getcwd())
print("env", sorted(k for k in os.environ))
print("main", sys.modules["__main__"].__dict__ is globals())
print("stdin", sys.stdin.read())
if __name__ == "__main__":
    def f():
        raise ValueError("boom")
    f()
`
	cases := []struct {
		name, src  string
		unbuffered bool
	}{
		{"probe", src, false},
		{"probe-unbuffered", src, true},
		{"exit-code", "import sys\nprint('x')\nsys.exit(3)\n", false},
		{"exit-message", "raise SystemExit('bye')\n", false},
		{"syntax-error", "def f(:\n  pass\n", false},
		{"keyboard-interrupt", "import atexit\natexit.register(lambda: print('ae'))\nraise KeyboardInterrupt\n", false},
		{"frames", "import sys, traceback\ntry:\n    1/0\nexcept Exception:\n    traceback.print_exc()\nprint(repr(sys.stdout.line_buffering), sys.stdout.encoding, sys.stderr.errors)\n", false},
	}
	for _, c := range cases {
		job := func() Job {
			return Job{Source: []byte(c.src), Name: "probe.py", Args: []string{"a", "b c"}, Policy: pol,
				Stdin: strings.NewReader("in"), Unbuffered: c.unbuffered}
		}
		cold, err := pl.e.Run(context.Background(), job())
		if err != nil {
			t.Fatal(err)
		}
		waitReady(t, pl, pol.Hash(), 1)
		warm, err := pl.Run(context.Background(), job())
		if err != nil {
			t.Fatal(err)
		}
		if !warm.Warm || cold.Warm {
			t.Fatalf("%s: warm %v, cold %v", c.name, warm.Warm, cold.Warm)
		}
		if warm.Stdout != cold.Stdout || warm.Stderr != cold.Stderr || warm.ExitCode != cold.ExitCode || warm.Status != cold.Status || warm.Signal != cold.Signal {
			t.Errorf("%s: warm run differs from cold:\ncold %s %d %s\n%s\n%s\nwarm %s %d %s\n%s\n%s", c.name,
				cold.Status, cold.ExitCode, cold.Signal, cold.Stdout, cold.Stderr,
				warm.Status, warm.ExitCode, warm.Signal, warm.Stdout, warm.Stderr)
		}
	}
}

// A job's files, environment, /tmp, memory and pid are never visible to
// the next job: one plants a token everywhere it can, the next hunts.
func TestWarmJobsIsolated(t *testing.T) {
	pl := newTestPool(t, PoolOptions{Size: 2, Wait: time.Minute, NoCold: true})
	pol := testPolicy()
	pol.Environment.Pass = []string{"CORDON_TEST_SECRET"}
	token := "tok" + newID()
	plant := `import os, sys
tok = sys.argv[1]
for p in ("/work/planted", "/tmp/planted", "/dev/shm/planted"):
    open(p, "w").write(tok)
os.environ["CORDON_PLANTED"] = tok
keep = (tok * 100000).encode()
print(os.getpid())
`
	hunt := `import os, sys
tok = sys.argv[1].encode()
found = []
for top in ("/work", "/tmp", "/dev/shm"):
    for d, _, fs in os.walk(top):
        for f in fs:
            p = os.path.join(d, f)
            try:
                if tok in open(p, "rb").read():
                    found.append(p)
            except OSError:
                pass
if any(tok in v.encode() for v in os.environ.values()):
    found.append("environ")
pids = [p for p in os.listdir("/proc") if p.isdigit()]
for p in pids:
    for f in ("cmdline", "environ"):
        try:
            if tok in open("/proc/%s/%s" % (p, f), "rb").read():
                found.append("/proc/%s/%s" % (p, f))
        except OSError:
            pass
buf = bytearray(64 << 20)
if tok in buf:
    found.append("memory")
print("found", found, "pids", sorted(int(p) for p in pids), os.getpid())
`
	for i := 0; i < 3; i++ {
		a, err := pl.Run(context.Background(), Job{Source: []byte(plant), Args: []string{token}, Policy: pol,
			Env: map[string]string{"CORDON_TEST_SECRET": token}})
		if err != nil || a.Status != StatusOK || !a.Warm {
			t.Fatalf("plant: %v %s %s", err, a.Status, a.Stderr)
		}
		b, err := pl.Run(context.Background(), Job{Source: []byte(hunt), Args: []string{token}, Policy: pol})
		if err != nil || b.Status != StatusOK || !b.Warm {
			t.Fatalf("hunt: %v %s %s", err, b.Status, b.Stderr)
		}
		// The hunter sees only its init (1) and itself.
		if !strings.HasPrefix(b.Stdout, "found [] pids [1, ") || strings.Count(b.Stdout, ",") != 1 {
			t.Errorf("the next job found the previous one's traces: %s (planter was pid %s)", b.Stdout, strings.TrimSpace(a.Stdout))
		}
	}
}

// A warm run's usage is the job's: 100 MiB allocated reports about
// 100 MiB, not the waiting interpreter's baseline plus it; and the wall
// clock counts from hand-over, not from when the sandbox was built.
func TestWarmAccounting(t *testing.T) {
	pl := newTestPool(t, PoolOptions{Size: 1, Wait: time.Minute, NoCold: true})
	pol := testPolicy()
	pol.Limits.WallTime = policy.Duration(60 * time.Second)
	res, err := pl.Run(context.Background(), Job{Policy: pol, Source: []byte(
		"b = bytearray(100 << 20)\nfor i in range(0, len(b), 4096): b[i] = 1\n")})
	if err != nil || res.Status != StatusOK || !res.Warm {
		t.Fatalf("%v %s %s %s", err, res.Status, res.Error, res.Stderr)
	}
	if mib := res.Usage.PeakMemoryBytes >> 20; mib < 95 || mib > 106 {
		t.Errorf("peak memory %d MiB for a 100 MiB allocation (a cold run reports ~109: the interpreter itself)", mib)
	}

	pol = testPolicy()
	pol.Limits.WallTime = policy.Duration(2 * time.Second)
	if err := pl.Fill(pol); err != nil {
		t.Fatal(err)
	}
	waitReady(t, pl, pol.Hash(), 1)
	// Idle longer than the wall limit before the job arrives.
	time.Sleep(3 * time.Second)
	res, err = pl.Run(context.Background(), Job{Policy: pol, Source: []byte("pass\n")})
	if err != nil || res.Status != StatusOK || !res.Warm || res.Usage.WallMS >= 2000 {
		t.Errorf("a quick warm job after the sandbox idled past the wall limit: %v %s, wall %d ms", err, res.Status, res.Usage.WallMS)
	}
	res, err = pl.Run(context.Background(), Job{Policy: pol, Source: []byte("import time\ntime.sleep(30)\n")})
	if err != nil || res.Status != StatusTimeout || !res.Warm || res.Usage.WallMS < 2000 || res.Usage.WallMS > 20000 {
		t.Errorf("a warm run past its wall limit: %v %s, wall %d ms", err, res.Status, res.Usage.WallMS)
	}
}

// countMetrics counts what a pool tells its metrics hooks.
type countMetrics struct {
	mu                      sync.Mutex
	hits, misses, refills   int
	refillErrs, sizeReports int
}

func (m *countMetrics) Hit(string)  { m.mu.Lock(); m.hits++; m.mu.Unlock() }
func (m *countMetrics) Miss(string) { m.mu.Lock(); m.misses++; m.mu.Unlock() }
func (m *countMetrics) Refill(_ string, _ time.Duration, err error) {
	m.mu.Lock()
	m.refills++
	if err != nil {
		m.refillErrs++
	}
	m.mu.Unlock()
}
func (m *countMetrics) Size(string, int) { m.mu.Lock(); m.sizeReports++; m.mu.Unlock() }

// A burst of 50 jobs on a pool of 4 serves every one, each in a sandbox
// of its own (a marker a second job in one sandbox would find).
func TestPoolBurst(t *testing.T) {
	m := &countMetrics{}
	pl := newTestPool(t, PoolOptions{Size: 4, Refill: 2, Wait: 5 * time.Minute, NoCold: true, Metrics: m})
	pol := testPolicy()
	src := `import os
if os.path.exists("/tmp/used") or os.path.exists("/work/used"):
    print("REUSED")
open("/tmp/used", "w").close()
open("/work/used", "w").close()
print("fresh")
`
	const jobs = 50
	var wg sync.WaitGroup
	errs := make(chan string, jobs)
	for i := 0; i < jobs; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := pl.Run(context.Background(), Job{Policy: pol, Source: []byte(src)})
			if err != nil || res.Status != StatusOK || !res.Warm || res.Stdout != "fresh\n" {
				errs <- fmt.Sprintf("%v %s warm=%v %q %s", err, res.Status, res.Warm, res.Stdout, res.Error)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.hits != jobs || m.misses != 0 || m.refills < jobs || m.refillErrs != 0 {
		t.Errorf("metrics: %d hits, %d misses, %d refills (%d failed)", m.hits, m.misses, m.refills, m.refillErrs)
	}
}

// Killing the supervisor with SIGKILL leaves no pooled sandbox behind:
// the inits die with it (parent-death signal), their mounts with their
// namespaces, and the next executor removes the cgroups.
func TestPoolSupervisorKilled(t *testing.T) {
	if os.Getenv("CORDON_POOL_HELPER") == "1" {
		poolHelper()
		return
	}
	needPython(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestPoolSupervisorKilled$", "-test.count=1")
	cmd.Env = append(os.Environ(), "CORDON_POOL_HELPER=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	var pids []int
	var groups []string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 && f[0] == "pid" {
			n, _ := strconv.Atoi(f[1])
			pids = append(pids, n)
		} else if len(f) == 2 && f[0] == "group" {
			groups = append(groups, f[1])
		} else if len(f) == 1 && f[0] == "ready" {
			break
		}
	}
	if len(pids) != 3 {
		cmd.Process.Kill()
		<-done
		t.Fatalf("the helper reported %d sandboxes; stderr: %s", len(pids), stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-done
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range pids {
		for unix.Kill(pid, 0) == nil && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if unix.Kill(pid, 0) == nil {
			t.Errorf("pooled sandbox init %d survived the SIGKILL of its supervisor", pid)
			_ = unix.Kill(pid, unix.SIGKILL)
		}
	}
	// The next executor's first use of cgroups cleans the dead
	// supervisor's groups.
	if len(groups) > 0 {
		ex, _ := NewExecutor(Options{})
		defer ex.Close()
		if _, err := ex.cgroups(); err != nil {
			t.Fatal(err)
		}
		for _, g := range groups {
			if _, err := os.Stat(g); err == nil {
				t.Errorf("cgroup %s of a pooled sandbox survived the next start", g)
			}
		}
	}
}

// poolHelper fills a pool of 3 and reports its sandboxes, then waits to
// be killed.
func poolHelper() {
	ex, _ := NewExecutor(Options{})
	pl, err := NewPool(ex, PoolOptions{Size: 3})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	pol := testPolicy()
	pl.Fill(pol)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if ready, _ := pl.Stats(); ready[pol.Hash()] == 3 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	pl.mu.Lock()
	for _, pb := range pl.policies[pol.Hash()].ready {
		fmt.Println("pid", pb.p.sb.Pid())
		for _, d := range pb.p.sb.CgroupPaths() {
			fmt.Println("group", d)
		}
	}
	pl.mu.Unlock()
	fmt.Println("ready")
	time.Sleep(time.Minute)
	os.Exit(1)
}

// A policy whose sandboxes cannot be built here gives its jobs the reason
// at once (a pool that may not start them cold does not wait forever).
func TestPoolBuildFails(t *testing.T) {
	pl := newTestPool(t, PoolOptions{Size: 1, Wait: time.Hour, NoCold: true})
	pol := testPolicy()
	pol.Runtime.Interpreter = "/nonexistent/python3"
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := pl.Run(ctx, Job{Policy: pol, Source: []byte("pass\n")})
	if err != nil || res.Status != StatusInternalError || !strings.Contains(res.Error, "interpreter") {
		t.Errorf("%v %s %q", err, res.Status, res.Error)
	}
}

// Preloaded modules are imported before the job arrives; one that cannot
// be imported fails the build, and the job is told.
func TestPoolPreload(t *testing.T) {
	pl := newTestPool(t, PoolOptions{Size: 1, Wait: time.Minute, NoCold: true, Preload: []string{"json", "email.mime.text"}})
	res, err := pl.Run(context.Background(), Job{Policy: testPolicy(), Source: []byte(
		"import sys\nprint('json' in sys.modules, 'email.mime.text' in sys.modules)\n")})
	if err != nil || res.Status != StatusOK || res.Stdout != "True True\n" {
		t.Errorf("%v %s %q %s", err, res.Status, res.Stdout, res.Error)
	}
	bad := newTestPool(t, PoolOptions{Size: 1, Wait: time.Minute, NoCold: true, Preload: []string{"no_such_module_x"}})
	res, err = bad.Run(context.Background(), Job{Policy: testPolicy(), Source: []byte("pass\n")})
	if err != nil || res.Status != StatusInternalError || !strings.Contains(res.Error, "before it waited") {
		t.Errorf("a preload that cannot be imported: %v %s %q", err, res.Status, res.Error)
	}
	if _, err := NewPool(pl.e, PoolOptions{Preload: []string{"os; import x"}}); err == nil {
		t.Error("a preload entry that is not a module name was accepted")
	}
}

// A policy idle for IdleTrim loses its sandboxes; a memory bound below one
// sandbox's keeps the pool empty, and jobs run cold.
func TestPoolTrimAndMemoryBound(t *testing.T) {
	pl := newTestPool(t, PoolOptions{Size: 1, IdleTrim: 2 * time.Second})
	pol := testPolicy()
	if err := pl.Fill(pol); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	sawReady := false
	for {
		ready, mem := pl.Stats()
		sawReady = sawReady || ready[pol.Hash()] > 0
		if _, ok := ready[pol.Hash()]; !ok && mem == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the idle policy's sandboxes were not trimmed: %v, %d bytes", ready, mem)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("trimmed (a sandbox was ready before: %v)", sawReady)

	m := &countMetrics{}
	small := newTestPool(t, PoolOptions{Size: 1, MaxMemory: 1, Metrics: m})
	if err := small.Fill(pol); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		m.mu.Lock()
		n := m.refills
		m.mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no build finished")
		}
	}
	if ready, mem := small.Stats(); ready[pol.Hash()] != 0 || mem != 0 {
		t.Errorf("a pool bounded to 1 byte holds %v (%d bytes)", ready, mem)
	}
	res, err := small.Run(context.Background(), Job{Policy: pol, Source: []byte("pass\n")})
	if err != nil || res.Status != StatusOK || res.Warm {
		t.Errorf("the job of an empty pool: %v %s warm=%v", err, res.Status, res.Warm)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.misses != 1 || m.hits != 0 {
		t.Errorf("metrics: %d hits, %d misses", m.hits, m.misses)
	}
}

// A job refused before hand-over (bad input) does not leave the sandbox it
// took behind.
func TestPoolBadInputReleases(t *testing.T) {
	pl := newTestPool(t, PoolOptions{Size: 1, Wait: time.Minute, NoCold: true, MaxBuilds: 1})
	pol := testPolicy()
	if err := pl.Fill(pol); err != nil {
		t.Fatal(err)
	}
	waitReady(t, pl, pol.Hash(), 1)
	pl.mu.Lock()
	pid := pl.policies[pol.Hash()].ready[0].p.sb.Pid()
	pl.mu.Unlock()
	_, err := pl.Run(context.Background(), Job{Policy: pol, Script: "/nonexistent/script.py"})
	if !errors.Is(err, ErrBadInput) {
		t.Fatalf("a missing script: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for unix.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("the sandbox (init %d) of a job refused before hand-over is still there", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A NUL byte in an argument is refused, cold or warm: in a warm
// interpreter's NUL-separated job it started the next field, so the
// rest of the argument became environment variables outside the
// policy's environment.pass.
func TestWarmArgNUL(t *testing.T) {
	pl := newTestPool(t, PoolOptions{Size: 1, Wait: time.Minute, NoCold: true, MaxBuilds: 1})
	pol := testPolicy()
	if err := pl.Fill(pol); err != nil {
		t.Fatal(err)
	}
	waitReady(t, pl, pol.Hash(), 1)
	job := Job{Policy: pol, Source: []byte("import os\nprint(os.environ.get('CORDON_SMUGGLED'))\n"),
		Args: []string{"x\x000\x00CORDON_SMUGGLED=yes"}}
	res, err := pl.Run(context.Background(), job)
	if !errors.Is(err, ErrBadInput) {
		t.Fatalf("an argument with a NUL byte, warm: %v (status %s, stdout %q)", err, res.Status, res.Stdout)
	}
	if _, err := pl.e.Run(context.Background(), job); !errors.Is(err, ErrBadInput) {
		t.Fatalf("an argument with a NUL byte, cold: %v", err)
	}
}
