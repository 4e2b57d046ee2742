//go:build linux

package cordon

// End-to-end runs of the executor: every test tries to break a layer or
// hit a limit and checks the status and evidence. They need python3 and
// user namespaces; as root they run with cgroups, otherwise with the
// cgroup layer degraded to rlimits (which the result says).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cordonsec/cordon/internal/testenv"
	"github.com/cordonsec/cordon/interp"
	"github.com/cordonsec/cordon/policy"
	"github.com/cordonsec/cordon/sandbox"
)

func needPython(t *testing.T) {
	t.Helper()
	if _, err := interp.Resolve("python3"); err != nil {
		testenv.Missing(t, "no python3 to sandbox: %v", err)
	}
}

// testPolicy is the default with short limits, and for a non-root caller
// cpuLimit sets a CPU time limit of one second, with a wall clock far
// above it: on a loaded machine a second of CPU can take more than the
// default wall clock, and the run must end on the limit under test.
func cpuLimit(p *policy.Policy) {
	p.Limits.CPUTime = policy.Duration(time.Second)
	p.Limits.WallTime = policy.Duration(time.Minute)
}

// the cgroup layer allowed to degrade.
func testPolicy() *policy.Policy {
	p := policy.Default()
	p.Limits.WallTime = policy.Duration(10 * time.Second)
	p.Limits.CPUTime = policy.Duration(2 * time.Second)
	// These tests attack the kernel layers on purpose (bombs, ptrace,
	// escapes): analysis would reject most of them before they ran, so
	// it reports without blocking here. stages_linux_test.go and
	// TestAnalysisBlocks cover blocking.
	p.Analysis.Block = policy.SeverityOff
	// Tests must not write the real state dir; TestAuditRecords covers
	// the audit stage with a log of its own.
	p.Audit.Enabled = false
	if os.Geteuid() != 0 {
		p.Isolation.AllowDegraded = []policy.Layer{policy.LayerCgroup}
	}
	return p
}

func run(t *testing.T, src string, tweak func(*policy.Policy), job Job) Result {
	t.Helper()
	ex, err := NewExecutor(Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := testPolicy()
	if tweak != nil {
		tweak(p)
	}
	job.Source = []byte(src)
	job.Policy = p
	res, err := ex.Run(context.Background(), job)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

func TestStdlibUnchanged(t *testing.T) {
	needPython(t)
	src := `
import json, csv, re, datetime, asyncio, threading, multiprocessing, sqlite3, os
def sq(x): return x * x
async def f():
    await asyncio.sleep(0.01)
    return 3
if __name__ == "__main__":
    out = []
    with open("x.csv", "w", newline="") as fh: csv.writer(fh).writerow([1, 2])
    out.append(open("x.csv").read().strip())
    out.append(json.dumps({"a": re.sub(r"\d", "#", "a1")}))
    out.append(str(datetime.date(2026, 1, 2)))
    out.append(str(asyncio.run(f())))
    r = []
    th = [threading.Thread(target=r.append, args=(i,)) for i in range(8)]
    [x.start() for x in th]; [x.join() for x in th]
    out.append(str(len(r)))
    with multiprocessing.Pool(2) as pool: out.append(str(pool.map(sq, [1, 2, 3])))
    db = sqlite3.connect("db.sqlite"); db.execute("create table t(x)"); db.execute("insert into t values (7)"); db.commit()
    out.append(str(db.execute("select x from t").fetchone()[0]))
    out.append(open("/proc/self/status").readline().split()[0])
    out.append(str(os.getuid()))
    print("|".join(out))
`
	res := run(t, src, nil, Job{})
	want := `1,2|{"a": "a#"}|2026-01-02|3|8|[1, 4, 9]|7|Name:|1000`
	if res.Status != StatusOK || strings.TrimSpace(res.Stdout) != want {
		t.Fatalf("status %s, stdout %q, stderr %q; want ok and %q", res.Status, res.Stdout, res.Stderr, want)
	}
	for _, l := range []policy.Layer{policy.LayerUserNS, policy.LayerPIDNS, policy.LayerMountNS, policy.LayerNetNS,
		policy.LayerIPCNS, policy.LayerUTSNS, policy.LayerCgroupNS, policy.LayerRootfs, policy.LayerNoNewPrivs,
		policy.LayerCaps, policy.LayerSeccomp, policy.LayerRlimits} {
		if res.Layers[l] != LayerActive {
			t.Errorf("layer %s %s, want active", l, res.Layers[l])
		}
	}
	if os.Geteuid() == 0 && res.Layers[policy.LayerCgroup] != LayerActive {
		t.Errorf("as root, cgroup layer %s", res.Layers[policy.LayerCgroup])
	}
}

func TestLimits(t *testing.T) {
	needPython(t)
	root := os.Geteuid() == 0
	tests := []struct {
		name     string
		src      string
		tweak    func(*policy.Policy)
		want     Status
		needsCg  bool
		exitCode int
	}{
		{name: "ok", src: `print("hi")`, want: StatusOK},
		{name: "exit", src: `import sys; sys.exit(7)`, want: StatusExitNonzero, exitCode: 7},
		{name: "cpu", src: `while True: pass`, want: StatusCPULimit,
			tweak: cpuLimit},
		{name: "cpu-tree", src: "import os\nfor i in range(3):\n    if os.fork() == 0: break\nwhile True: pass", want: StatusCPULimit, needsCg: true,
			tweak: cpuLimit},
		{name: "memory", src: "x = []\nwhile True: x.append(bytearray(8 << 20))", want: StatusMemoryLimit, needsCg: true,
			tweak: func(p *policy.Policy) { p.Limits.Memory = 64 << 20 }},
		{name: "pids", src: "import os, time\nwhile True:\n    if os.fork() == 0:\n        time.sleep(20)\n", want: StatusPidsLimit, needsCg: true,
			tweak: func(p *policy.Policy) { p.Limits.Processes = 16; p.Limits.WallTime = policy.Duration(time.Minute) }},
		{name: "wall", src: `import time; time.sleep(60)`, want: StatusTimeout,
			tweak: func(p *policy.Policy) { p.Limits.WallTime = policy.Duration(500 * time.Millisecond) }},
		{name: "output", src: "import sys\nwhile True: sys.stdout.write('x' * 65536)", want: StatusOutputLimit,
			tweak: func(p *policy.Policy) { p.Limits.Output = 100 << 10 }},
		{name: "file-size", src: "f = open('big', 'wb')\nwhile True: f.write(b'x' * 65536)", want: StatusFileSizeLimit,
			tweak: func(p *policy.Policy) { p.Limits.FileSize = 1 << 20 }},
		{name: "signal", src: "import os, signal; os.kill(os.getpid(), signal.SIGUSR1)", want: StatusSignaled},
		{name: "ptrace", src: "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nprint(libc.ptrace(16, 1, 0, 0), ctypes.get_errno())",
			want: StatusSecurityViolation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.needsCg && !root {
				t.Skip("needs the cgroup layer (root); unprivileged runs degrade it to rlimits")
			}
			res := run(t, tt.src, tt.tweak, Job{})
			if res.Status != tt.want {
				t.Fatalf("status %s (exit %d, signal %q, error %q, stderr %q), want %s",
					res.Status, res.ExitCode, res.Signal, res.Error, tail(res.Stderr), tt.want)
			}
			if tt.exitCode != 0 && res.ExitCode != tt.exitCode {
				t.Errorf("exit code %d, want %d", res.ExitCode, tt.exitCode)
			}
			if tt.want != StatusOK && tt.want != StatusExitNonzero && tt.want != StatusSignaled && len(res.Events) == 0 {
				t.Errorf("no event for %s", tt.want)
			}
			if tt.want == StatusOutputLimit && (!res.Truncated.Stdout || len(res.Stdout) != 100<<10) {
				t.Errorf("truncated %v, kept %d bytes, want exactly the cap", res.Truncated, len(res.Stdout))
			}
		})
	}
}

func tail(s string) string {
	if len(s) > 300 {
		return s[len(s)-300:]
	}
	return s
}

// TestTimeoutKillsTree: grandchildren that outlive the wall clock are all
// gone when Run returns. Each one names itself with a token the test then
// looks for among every host process.
func TestTimeoutKillsTree(t *testing.T) {
	needPython(t)
	token := fmt.Sprintf("cdn%d", time.Now().UnixNano()%1e9)
	src := fmt.Sprintf(`
import ctypes, os, time
libc = ctypes.CDLL(None)
for i in range(3):
    if os.fork() == 0:
        if os.fork() == 0:
            os.setsid()
        libc.prctl(15, b"%s", 0, 0, 0)
        time.sleep(100)
        os._exit(0)
print("forked", flush=True)
time.sleep(100)
`, token)
	res := run(t, src, func(p *policy.Policy) { p.Limits.WallTime = policy.Duration(3 * time.Second) }, Job{})
	if res.Status != StatusTimeout {
		t.Fatalf("status %s (%s), want timeout", res.Status, res.Stderr)
	}
	if !strings.Contains(res.Stdout, "forked") {
		t.Fatalf("the script did not fork: %q", res.Stdout)
	}
	comms, _ := filepath.Glob("/proc/[0-9]*/comm")
	for _, c := range comms {
		if b, err := os.ReadFile(c); err == nil && strings.TrimSpace(string(b)) == token {
			t.Errorf("process %s survived the run", c)
		}
	}
}

func TestIsolation(t *testing.T) {
	needPython(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	home, _ := os.UserHomeDir()
	t.Setenv("CORDON_TEST_SECRET", "hunter2")
	src := fmt.Sprintf(`
import os, socket
def tryopen(p):
    try:
        open(p).read(1); return "read"
    except Exception as e:
        return type(e).__name__
def trywrite(p):
    try:
        open(p, "w").write("x"); return "wrote"
    except Exception as e:
        return type(e).__name__
def tryconnect():
    s = socket.socket()
    s.settimeout(1)
    try:
        s.connect(("127.0.0.1", %d)); return "connected"
    except Exception as e:
        return type(e).__name__
print("shadow", tryopen("/etc/shadow"))
print("home", tryopen(%q))
print("write-root", trywrite("/evil"))
print("write-usr", trywrite("/usr/evil"))
print("pids", sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
print("ifaces", sorted(n for _, n in socket.if_nameindex()))
print("route", open("/proc/net/route").read().count("\n") - 1)
print("connect", tryconnect())
print("secret", os.environ.get("CORDON_TEST_SECRET"))
def trylist(p):
    try:
        os.listdir(p); return "listed"
    except Exception as e:
        return type(e).__name__
print("init-fds", trylist("/proc/1/fd"))
print("init-env", tryopen("/proc/1/environ"))
print("sys", os.path.exists("/sys/fs/cgroup"))
print("cgroup", open("/proc/self/cgroup").read().split("\n")[0].split(":")[-1])
print("kill-host", end=" ")
try:
    os.kill(%d, 0); print("alive")
except Exception as e:
    print(type(e).__name__)
`, port, filepath.Join(home, ".bashrc"), os.Getpid())
	res := run(t, src, nil, Job{})
	if res.Status != StatusOK {
		t.Fatalf("status %s: %s", res.Status, res.Stderr)
	}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(res.Stdout), "\n") {
		k, v, _ := strings.Cut(line, " ")
		got[k] = v
	}
	for k, bad := range map[string]func(string) bool{
		"shadow":     func(v string) bool { return v == "read" },
		"home":       func(v string) bool { return v == "read" },
		"write-root": func(v string) bool { return v == "wrote" },
		"write-usr":  func(v string) bool { return v == "wrote" },
		"pids":       func(v string) bool { return strings.Count(v, ",") != 1 || !strings.HasPrefix(v, "[1, ") }, // the init and the script
		"ifaces":     func(v string) bool { return v != "['lo']" },
		"route":      func(v string) bool { return v != "0" },
		"connect":    func(v string) bool { return v == "connected" },
		"secret":     func(v string) bool { return v != "None" },
		"kill-host":  func(v string) bool { return v == "alive" },
		"init-fds":   func(v string) bool { return v == "listed" },
		"init-env":   func(v string) bool { return v == "read" },
		"sys":        func(v string) bool { return v != "False" },
		"cgroup":     func(v string) bool { return v != "/" }, // the cgroup namespace hides the host path
	} {
		if v, ok := got[k]; !ok || bad(v) {
			t.Errorf("%s: %q", k, v)
		}
	}
}

func TestTmpNotShared(t *testing.T) {
	needPython(t)
	res := run(t, `open("/tmp/left", "w").write("x"); open("/dev/shm/left", "w").write("x")`, nil, Job{})
	if res.Status != StatusOK {
		t.Fatalf("first run %s: %s", res.Status, res.Stderr)
	}
	res = run(t, `import os; print(os.path.exists("/tmp/left"), os.path.exists("/dev/shm/left"))`, nil, Job{})
	if strings.TrimSpace(res.Stdout) != "False False" {
		t.Fatalf("second run sees %q", res.Stdout)
	}
}

func TestFilesArgsStdin(t *testing.T) {
	needPython(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data.csv")
	if err := os.WriteFile(data, []byte("a,b\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var live bytes.Buffer
	res := run(t, `import sys; print(open("data.csv").read().strip(), sys.argv[1:], sys.stdin.read())`, nil,
		Job{Files: []string{data}, Args: []string{"x", "--y"}, Stdin: strings.NewReader("in"), Stdout: &live})
	want := "a,b ['x', '--y'] in\n"
	if res.Status != StatusOK || res.Stdout != want || live.String() != want {
		t.Fatalf("status %s, stdout %q, live %q, stderr %q", res.Status, res.Stdout, live.String(), res.Stderr)
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	script := write("s.py", "print(1)")
	bin := write("b.py", "\x7fELF\x02\x01\x01\x00")
	other := filepath.Join(dir, "o")
	os.Mkdir(other, 0o755)
	dup := filepath.Join(other, "s.py")
	os.WriteFile(dup, nil, 0o644)
	ex, _ := NewExecutor(Options{})
	for _, job := range []Job{
		{Script: filepath.Join(dir, "missing.py")},
		{Script: dir},
		{Script: bin},
		{Script: script, Files: []string{dup}},
		{Script: script, Files: []string{other}},
		{Source: []byte("x\x00y")},
		{},
		{Script: script, Env: map[string]string{"HOME": "/x"}},
	} {
		_, err := ex.Run(context.Background(), job)
		if !errors.Is(err, ErrBadInput) {
			t.Errorf("job %+v: err %v, want ErrBadInput", job, err)
		}
	}
}

func TestFailClosed(t *testing.T) {
	needPython(t)
	ex, _ := NewExecutor(Options{})
	p := testPolicy()
	p.Network.Mode = policy.NetworkAllowlist
	p.Network.Domains = []string{"bad..example.com"} // a library caller's policy, never validated
	res, err := ex.Run(context.Background(), Job{Source: []byte("print(1)"), Policy: p})
	if err != nil || res.Status != StatusInternalError || !strings.Contains(res.Error, "layer network unavailable") {
		t.Fatalf("allowlist with a bad domain: %v %s %q", err, res.Status, res.Error)
	}
	if res.FailedLayer != policy.LayerNetwork {
		t.Errorf("allowlist with a bad domain: failed layer %q, want network", res.FailedLayer)
	}
	p = testPolicy()
	p.Filesystem.ReadOnly = []string{"/nonexistent-cordon-test"}
	res, err = ex.Run(context.Background(), Job{Source: []byte("print(1)"), Policy: p})
	if err != nil || res.Status != StatusInternalError || !strings.Contains(res.Error, "rootfs") {
		t.Fatalf("missing read-only path: %v %s %q", err, res.Status, res.Error)
	}
	if res.FailedLayer != policy.LayerRootfs {
		t.Errorf("missing read-only path: failed layer %q, want rootfs", res.FailedLayer)
	}
	// Prepare: a *SetupError whose cause the sandbox's own error is.
	_, err = ex.Prepare(context.Background(), p)
	var se *SetupError
	var sbe *sandbox.SetupError
	if !errors.As(err, &se) || !errors.As(err, &sbe) || !errors.Is(err, sandbox.ErrSetup) {
		t.Fatalf("Prepare with a missing read-only path: %v (%T), want a SetupError wrapping a sandbox.SetupError", err, err)
	}
	if se.Result.FailedLayer != policy.LayerRootfs || sbe.Layer != policy.LayerRootfs {
		t.Errorf("Prepare: failed layer %q, sandbox layer %q, want rootfs", se.Result.FailedLayer, sbe.Layer)
	}
}

func TestPrepared(t *testing.T) {
	needPython(t)
	ex, _ := NewExecutor(Options{})
	pol := testPolicy()
	p, err := ex.Prepare(context.Background(), pol)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Run(context.Background(), Job{Source: []byte(`print("prepared")`)})
	if err != nil || res.Status != StatusOK || res.Stdout != "prepared\n" {
		t.Fatalf("%v %s %q %q", err, res.Status, res.Stdout, res.Stderr)
	}
	if _, err := p.Run(context.Background(), Job{Source: []byte(`print(1)`)}); !errors.Is(err, ErrUsed) {
		t.Fatalf("second run: %v, want ErrUsed", err)
	}
	p2, err := ex.Prepare(context.Background(), pol)
	if err != nil {
		t.Fatal(err)
	}
	other := testPolicy()
	other.Limits.Memory = 1 << 30
	if _, err := p2.Run(context.Background(), Job{Source: []byte(`print(1)`), Policy: other}); !errors.Is(err, ErrPolicyMismatch) {
		t.Fatalf("other policy: %v", err)
	}
	p2.Close()
}

// TestConcurrent: an Executor runs jobs side by side.
func TestConcurrent(t *testing.T) {
	needPython(t)
	ex, _ := NewExecutor(Options{})
	errs := make(chan error, 4)
	for i := range 4 {
		go func() {
			res, err := ex.Run(context.Background(), Job{Source: []byte(fmt.Sprintf("print(%d * 2)", i)), Policy: testPolicy()})
			switch {
			case err != nil:
				errs <- err
			case res.Status != StatusOK || res.Stdout != fmt.Sprintf("%d\n", i*2):
				errs <- fmt.Errorf("job %d: %s %q %q", i, res.Status, res.Stdout, res.Error)
			default:
				errs <- nil
			}
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
