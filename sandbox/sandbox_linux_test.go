//go:build linux

package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/cordonsec/cordon/internal/testenv"
	"github.com/cordonsec/cordon/interp"
	"github.com/cordonsec/cordon/layers"
)

func pythonSpec(t *testing.T) (Spec, *interp.Runtime) {
	t.Helper()
	rt, err := interp.Resolve("python3")
	if err != nil {
		testenv.Missing(t, "no python3: %v", err)
	}
	spec := Spec{
		ReadOnly: rt.ReadOnlyPaths, TmpSize: 8 << 20, WorkSize: 8 << 20,
		Seccomp: true, Landlock: LandlockABI() > 0, HostUID: -1, HostGID: -1,
		Rlimits: []Rlimit{
			{Resource: unix.RLIMIT_NOFILE, Cur: 100, Max: 101},
			{Resource: unix.RLIMIT_CORE, Cur: 0, Max: 0},
			{Resource: unix.RLIMIT_CPU, Cur: 5, Max: 6},
		},
	}
	for _, l := range rt.Symlinks {
		spec.Symlinks = append(spec.Symlinks, Symlink{Path: l.Path, Target: l.Target})
	}
	return spec, rt
}

// python runs code in a sandbox built from spec and returns its stdout.
func python(t *testing.T, spec Spec, rt *interp.Runtime, code string) (string, Exit) {
	t.Helper()
	sb, err := Start(context.Background(), spec)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	sb.Stdin().Close()
	outc := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(sb.Stdout())
		outc <- string(b)
	}()
	go io.Copy(io.Discard, sb.Stderr())
	if err := sb.Run(Task{Argv: []string{rt.Exec, "-E", "-s", "-c", code}, Env: []string{"PATH=/usr/bin"}}, nil); err != nil {
		sb.Close()
		t.Fatalf("Run: %v", err)
	}
	if fd := <-sb.Listener(); fd >= 0 {
		defer unix.Close(fd)
	}
	ex := sb.Wait()
	out := <-outc
	sb.Stdout().Close()
	sb.Stderr().Close()
	return out, ex
}

// TestPrivilegesDropped: the interpreter has no capability in any set, no
// way to regain one, no_new_privs, a seccomp filter, its own session, a
// non-root uid mapped to an unprivileged host uid, and the rlimits asked.
func TestPrivilegesDropped(t *testing.T) {
	spec, rt := pythonSpec(t)
	out, ex := python(t, spec, rt, `
import os
st = dict(l.split(":\t", 1) for l in open("/proc/self/status").read().splitlines() if ":\t" in l)
for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp", "Uid", "Gid"):
    print(k, st[k].split()[0] if k in ("Uid", "Gid") else st[k])
print("sid", os.getsid(0) == os.getpid())
print("uidmap", " ".join(open("/proc/self/uid_map").read().split()))
lim = {l[:26].strip(): l[26:].split()[:2] for l in open("/proc/self/limits").read().splitlines()[1:]}
print("nofile", lim["Max open files"])
print("core", lim["Max core file size"])
print("cpu", lim["Max cpu time"])
print("hostname", os.uname().nodename)
`)
	if !ex.Reported || ex.WaitStatus.ExitStatus() != 0 {
		t.Fatalf("exit %+v, stdout %q", ex, out)
	}
	hostID := os.Getuid()
	if hostID == 0 {
		// Root's sandboxes map to a uid leased per run.
		var inside, leased int
		fmt.Sscanf(got0(out, "uidmap"), "%d %d", &inside, &leased)
		if leased < HostUIDBase || leased >= HostUIDBase+HostUIDCount {
			t.Errorf("root's sandbox maps to host uid %d, outside the leased range from %d", leased, HostUIDBase)
		}
		hostID = leased
	}
	want := map[string]string{
		"CapInh": "0000000000000000", "CapPrm": "0000000000000000", "CapEff": "0000000000000000",
		"CapBnd": "0000000000000000", "CapAmb": "0000000000000000", "NoNewPrivs": "1", "Seccomp": "2",
		"Uid": "1000", "Gid": "1000", "sid": "True", "uidmap": "1000 " + strconv.Itoa(hostID) + " 1",
		"nofile": "100 101", "core": "0 0", "cpu": "5 6", "hostname": "cordon",
	}
	got := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		k, v, _ := strings.Cut(l, " ")
		got[k] = strings.Trim(strings.ReplaceAll(strings.ReplaceAll(v, "'", ""), ",", ""), "[]")
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

// got0 is the value of the line "key value..." in out.
func got0(out, key string) string {
	for _, l := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(l, " "); ok && k == key {
			return v
		}
	}
	return ""
}

// TestFailsClosed: a step that cannot be done ends the setup with an
// error naming the step and its layer; nothing runs.
func TestFailsClosed(t *testing.T) {
	spec, _ := pythonSpec(t)
	spec.ReadOnly = append(append([]string(nil), spec.ReadOnly...), "/nonexistent-cordon-sandbox-test")
	_, err := Start(context.Background(), spec)
	var se *SetupError
	if !errors.As(err, &se) || se.Layer != "rootfs" || !errors.Is(err, ErrSetup) {
		t.Fatalf("err %v (%#v), want a rootfs SetupError", err, se)
	}
}

// TestRootIsMinimal: only the listed paths exist (and the sandbox's own
// /etc files and devpts); the root and the
// read-only binds refuse writes; the work dir, /tmp and /dev/shm take them.
func TestRootIsMinimal(t *testing.T) {
	spec, rt := pythonSpec(t)
	out, _ := python(t, spec, rt, `
import os
def w(p):
    try:
        open(p, "w").write("x"); return "ok"
    except OSError as e:
        return str(e.errno)
print(sorted(os.listdir("/")))
print(sorted(os.listdir("/dev")))
print(w("/x"), w("/usr/x"), w("`+rt.LibDirs[0]+`/x"), w("/work/x"), w("/tmp/x"), w("/dev/shm/x"), w("/dev/null"))
print(" ".join(l.split(":")[0] for l in open("/etc/passwd")), os.path.exists("/home"), os.path.exists("/sys"))
try:
    print(os.listdir(os.path.dirname("`+rt.LibDirs[0]+`")))
except PermissionError:
    print("sealed")
`)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 {
		t.Fatalf("output %q", out)
	}
	if !strings.Contains(lines[1], "'null', 'ptmx', 'pts', 'random', 'shm', 'stderr', 'stdin', 'stdout', 'urandom', 'zero'") {
		t.Errorf("/dev: %s", lines[1])
	}
	if lines[2] != "30 30 30 ok ok ok ok" { // EROFS for the root and the binds
		t.Errorf("writes: %s", lines[2])
	}
	// /etc/passwd is the sandbox's own, naming none of the host's accounts.
	if lines[3] != "root sandbox nobody False False" {
		t.Errorf("host paths visible: %s", lines[3])
	}
	if lines[4] != "sealed" { // the folders on the way to a bind are traverse-only
		t.Errorf("listing the interpreter's lib folder: %s", lines[4])
	}
}

func TestLayerOfStep(t *testing.T) {
	for step, layer := range map[string]layers.Name{
		"rootfs: bind /usr": "rootfs", "landlock: ruleset": "landlock", "network: lo up": "netns",
		"seccomp: build filter": "seccomp", "uts: hostname": "utsns", "fork": "", "": "",
	} {
		if got := layerOfStep(step); got != layer {
			t.Errorf("layerOfStep(%q) = %q, want %q", step, got, layer)
		}
	}
}

// TestWaitThenCloseClosesCtlOnce: a prepared sandbox is waited for after
// its run and then closed; the second release must not close the control
// socket's number again, which by then may belong to another sandbox
// (under concurrency runs hung on an init log that never ended, and
// failed with "unexpected message" and EBADF). A sentinel takes the
// number between the two.
func TestWaitThenCloseClosesCtlOnce(t *testing.T) {
	spec, rt := pythonSpec(t)
	sb, err := Start(context.Background(), spec)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	sb.Stdin().Close()
	go io.Copy(io.Discard, sb.Stdout())
	go io.Copy(io.Discard, sb.Stderr())
	if err := sb.Run(Task{Argv: []string{rt.Exec, "-E", "-s", "-c", "pass"}, Env: []string{"PATH=/usr/bin"}}, nil); err != nil {
		sb.Close()
		t.Fatalf("Run: %v", err)
	}
	if fd := <-sb.Listener(); fd >= 0 {
		defer unix.Close(fd)
	}
	sb.Wait()
	sentinel, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer sentinel.Close()
	if err := unix.Dup3(int(sentinel.Fd()), sb.ctl, unix.O_CLOEXEC); err != nil {
		t.Fatalf("dup3 onto the control socket's number: %v", err)
	}
	defer unix.Close(sb.ctl)
	sb.Close()
	if _, err := unix.FcntlInt(uintptr(sb.ctl), unix.F_GETFD, 0); err != nil {
		t.Fatalf("Close closed fd %d a second time (it belonged to someone else by then): %v", sb.ctl, err)
	}
}
