//go:build linux

package seccomp

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// pythonScript runs the stdlib a script uses and then tries the attacks
// through ctypes; it prints one line per check.
const pythonScript = `
import asyncio, ctypes, errno, json, multiprocessing, os, sqlite3, subprocess, sys, tempfile, threading

def sq(x): return x * x

async def amain():
    await asyncio.sleep(0.001)
    return sum(await asyncio.gather(*(asyncio.sleep(0, result=i) for i in range(5))))

if __name__ == "__main__":
    out = []
    ts = [threading.Thread(target=sq, args=(i,)) for i in range(8)]
    [t.start() for t in ts]; [t.join() for t in ts]
    out.append("threads ok")
    r = subprocess.run([sys.executable, "-I", "-c", "print(6*7)"], capture_output=True, text=True)
    out.append("subprocess " + r.stdout.strip())
    for m in ("fork", "spawn", "forkserver"):
        with multiprocessing.get_context(m).Pool(2) as p:
            out.append("multiprocessing %s %d" % (m, sum(p.map(sq, range(5)))))
    out.append("json " + json.dumps({"a": [1, 2]}))
    d = tempfile.mkdtemp()
    c = sqlite3.connect(os.path.join(d, "t.db")); c.execute("create table t(x)"); c.execute("insert into t values (7)"); c.commit()
    out.append("sqlite3 %d" % c.execute("select x from t").fetchone()[0]); c.close()
    out.append("asyncio %d" % asyncio.run(amain()))
    leaked = 0
    for f in os.listdir("/proc/self/fd"):
        try:
            leaked += "seccomp" in os.readlink("/proc/self/fd/" + f)
        except OSError:
            pass
    out.append("listener leaked %d" % leaked)

    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    def try_(name, nr, *args):
        ctypes.set_errno(0)
        rc = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
        out.append("attack %s %s" % (name, errno.errorcode.get(ctypes.get_errno(), "ok") if rc < 0 else "SUCCEEDED"))
    try_("ptrace", 101, 16, 1)                  # PTRACE_ATTACH to pid 1
    try_("unshare", 272, 0x10000000)            # CLONE_NEWUSER
    try_("mount", 165, 0, 0, 0, 0, 0)
    try_("keyctl", 250, 0, -1)
    try_("bpf", 321, 0, 0, 0)
    try_("io_uring_setup", 425, 1, 0)
    try:
        os.unshare(os.CLONE_NEWUSER) if hasattr(os, "unshare") else None
    except PermissionError:
        pass
    print("\n".join(out))
`

func findPython(t *testing.T) string {
	for _, p := range []string{"/usr/bin/python3", "/usr/local/bin/python3"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("python3"); err == nil {
		return p
	}
	t.Skip("python3 really absent on this host")
	return ""
}

func TestPython(t *testing.T) {
	py := findPython(t)
	// A file, not -c: multiprocessing's spawn re-imports __main__ by path.
	script := filepath.Join(t.TempDir(), "victim.py")
	if err := os.WriteFile(script, []byte(pythonScript), 0o644); err != nil {
		t.Fatal(err)
	}
	out, refs := runFiltered(t, "python", "PYTHON="+py, "SCRIPT="+script)
	t.Logf("python output:\n%s", out)
	for _, want := range []string{
		"threads ok", "subprocess 42", "multiprocessing fork 30", "multiprocessing spawn 30",
		"multiprocessing forkserver 30", `json {"a": [1, 2]}`, "sqlite3 7", "asyncio 10",
		"listener leaked 0",
		"attack ptrace EPERM", "attack unshare EPERM", "attack mount EPERM",
		"attack keyctl EPERM", "attack bpf EPERM", "attack io_uring_setup EPERM",
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("python output lacks %q", want)
		}
	}
	for _, name := range []string{"ptrace", "unshare", "mount", "keyctl", "bpf", "io_uring_setup"} {
		if !slices.ContainsFunc(refs, func(r Refusal) bool { return r.Name == name && r.Dangerous }) {
			t.Errorf("%s attempt not reported", name)
		}
	}
	for _, r := range refs {
		if !r.Dangerous {
			t.Logf("python's normal run hit an unlisted syscall: %+v", r)
		}
	}
}
