//go:build linux

package landlock

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/cordonsec/cordon/internal/testenv"
)

// childEnv selects a helper mode when this test binary is re-executed: the
// child applies Landlock (irreversible) and reports what it could do.
const childEnv = "CORDON_LANDLOCK_TEST_CHILD"

func TestMain(m *testing.M) {
	mode := os.Getenv(childEnv)
	if mode == "" {
		os.Exit(m.Run())
	}
	if err := child(mode, os.Getenv("BASE")); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
	os.Exit(0)
}

func errno(err error) string {
	var e syscall.Errno
	if err == nil {
		return "ok"
	}
	if errors.As(err, &e) {
		return unix.ErrnoName(e)
	}
	return err.Error()
}

func child(mode, base string) error {
	ro, rw, denied := filepath.Join(base, "ro"), filepath.Join(base, "rw"), filepath.Join(base, "denied")
	say := func(name string, err error) { fmt.Printf("%s\t%s\n", name, errno(err)) }
	switch mode {
	case "fs":
		st, err := Apply(Policy{ReadOnly: []string{ro}, ReadWrite: []string{rw}, MinABI: 1})
		if err != nil {
			return err
		}
		fmt.Printf("status\t%s\n", st)
		_, err = os.ReadFile(filepath.Join(ro, "file"))
		say("read ro", err)
		say("write ro", os.WriteFile(filepath.Join(ro, "file"), []byte("x"), 0o644))
		say("create in ro", os.WriteFile(filepath.Join(ro, "new"), []byte("x"), 0o644))
		_, err = os.ReadFile(filepath.Join(denied, "secret"))
		say("read denied", err)
		_, err = os.ReadDir(denied)
		say("list denied", err)
		say("write denied", os.WriteFile(filepath.Join(denied, "secret"), []byte("x"), 0o644))
		say("write rw", os.WriteFile(filepath.Join(rw, "new"), []byte("x"), 0o644))
		_, err = os.ReadFile(filepath.Join(rw, "new"))
		say("read rw", err)
		say("mkdir rw", os.Mkdir(filepath.Join(rw, "d"), 0o755))
		say("rename within rw", os.Rename(filepath.Join(rw, "new"), filepath.Join(rw, "d", "moved")))
		// A link planted before the sandbox, from an allowed dir to a
		// denied file: Landlock checks the target, not the link.
		_, err = os.ReadFile(filepath.Join(rw, "link-to-secret"))
		say("read via symlink", err)
		say("symlink in rw", os.Symlink(filepath.Join(denied, "secret"), filepath.Join(rw, "mine")))
		_, err = os.ReadFile(filepath.Join(rw, "mine"))
		say("read via own symlink", err)
		say("hardlink denied into rw", os.Link(filepath.Join(denied, "secret"), filepath.Join(rw, "hard")))
		say("rename denied into rw", os.Rename(filepath.Join(denied, "secret"), filepath.Join(rw, "stolen")))
		_, err = os.ReadFile("/etc/hostname")
		say("read /etc", err)
		return nil
	case "deny":
		hidden, sib := filepath.Join(rw, "hidden"), filepath.Join(rw, "sibling")
		if err := os.WriteFile(sib, []byte("x"), 0o644); err != nil {
			return err
		}
		if _, err := Apply(Policy{ReadOnly: []string{base}, ReadWrite: []string{rw}, Deny: []string{denied, hidden}, MinABI: 1}); err != nil {
			return err
		}
		_, err := os.ReadFile(filepath.Join(ro, "file"))
		say("read ro", err)
		_, err = os.ReadDir(base)
		say("list base", err)
		_, err = os.ReadFile(filepath.Join(denied, "secret"))
		say("read denied", err)
		_, err = os.ReadFile(hidden)
		say("read denied in rw", err)
		say("write denied in rw", os.WriteFile(hidden, []byte("x"), 0o644))
		say("write rw sibling", os.WriteFile(sib, []byte("y"), 0o644))
		say("create beside denied", os.WriteFile(filepath.Join(rw, "new"), []byte("x"), 0o644))
		return nil
	case "rules":
		if _, err := Apply(Policy{Rules: []Rule{{base, FSReadDir}, {ro, FSReadFile}}, MinABI: 1}); err != nil {
			return err
		}
		_, err := os.ReadDir(base)
		say("list base", err)
		_, err = os.ReadDir(ro)
		say("list ro", err)
		_, err = os.ReadFile(filepath.Join(ro, "file"))
		say("read ro file", err)
		_, err = os.ReadFile(filepath.Join(denied, "secret"))
		say("read denied", err)
		say("exec ro-readable", syscall.Exec(filepath.Join(rw, "true"), []string{"true"}, nil))
		return nil
	case "exec":
		var ros []string
		for _, p := range []string{"/usr", "/bin", "/lib", "/lib64", "/etc/ld.so.cache", ro} {
			if _, err := os.Stat(p); err == nil {
				ros = append(ros, p)
			}
		}
		if _, err := Apply(Policy{ReadOnly: ros, ReadWrite: []string{rw}, MinABI: 1}); err != nil {
			return err
		}
		// write xor execute: a binary in a writable dir does not run.
		say("exec from rw", syscall.Exec(filepath.Join(rw, "true"), []string{"true"}, nil))
		// The domain survives execve: the shell can read ro, not denied.
		err := syscall.Exec("/bin/sh", []string{"sh", "-c", `cat "$1" && echo "read ro ok"; cat "$2" || echo "read denied refused"`, "sh",
			filepath.Join(ro, "file"), filepath.Join(denied, "secret")}, nil)
		return err
	case "net", "net-off":
		p := Policy{MinABI: abiNet}
		if mode == "net" {
			p.Net = &Net{ConnectTCP: []uint16{port(os.Getenv("PORT1"))}}
		}
		st, err := Apply(p)
		if err != nil {
			return err
		}
		fmt.Printf("status\t%s\n", st)
		say("connect allowed port", connect(os.Getenv("PORT1")))
		say("connect other port", connect(os.Getenv("PORT2")))
		say("bind", bind())
		return nil
	case "scope", "scope-off":
		st, err := Apply(Policy{Scope: mode == "scope", MinABI: abiScope})
		if err != nil {
			return err
		}
		fmt.Printf("status\t%s\n", st)
		pid, _ := strconv.Atoi(os.Getenv("OUTSIDE_PID"))
		say("signal outside", unix.Kill(pid, 0))
		say("signal self", unix.Kill(os.Getpid(), 0))
		fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		say("connect abstract outside", unix.Connect(fd, &unix.SockaddrUnix{Name: "@" + os.Getenv("ABSTRACT")}))
		return nil
	}
	return fmt.Errorf("unknown mode %q", mode)
}

func port(s string) uint16 { n, _ := strconv.Atoi(s); return uint16(n) }

// connect dials 127.0.0.1 only (tests never leave loopback).
func connect(p string) error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return unix.Connect(fd, &unix.SockaddrInet4{Port: int(port(p)), Addr: [4]byte{127, 0, 0, 1}})
}

func bind() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}})
}

func needABI(t *testing.T, v int) {
	t.Helper()
	if have := ABI(); have < v {
		testenv.Missing(t, "Landlock ABI %d really absent: kernel has %d", v, have)
	}
}

// fixture makes base/{ro/file, rw/, denied/secret} readable by anyone
// (the unprivileged run needs it) and a planted symlink rw/link-to-secret.
func fixture(t *testing.T) string {
	t.Helper()
	base, err := os.MkdirTemp("", "cordon-landlock-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(base) })
	for _, d := range []string{"ro", "rw", "denied"} {
		if err := os.Mkdir(filepath.Join(base, d), 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Join(base, d), 0o777); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	for f, s := range map[string]string{"ro/file": "public\n", "denied/secret": "canary\n", "rw/hidden": "canary\n"} {
		if err := os.WriteFile(filepath.Join(base, f), []byte(s), 0o666); err != nil {
			t.Fatal(err)
		}
		_ = os.Chmod(filepath.Join(base, f), 0o666)
	}
	if err := os.Symlink(filepath.Join(base, "denied", "secret"), filepath.Join(base, "rw", "link-to-secret")); err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile("/bin/true")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(base, "rw", "true"), bin, 0o755); err != nil {
		t.Fatal(err)
	}
	// A copy of the test binary any user may run.
	exe, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(base, "landlock.test"), exe, 0o755); err != nil {
		t.Fatal(err)
	}
	return base
}

// run re-executes the test binary in mode and parses "name\tresult" lines.
func run(t *testing.T, base, mode string, cred *syscall.Credential, env ...string) (map[string]string, string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(base, "landlock.test"), "-test.run=^$")
	cmd.Env = append(os.Environ(), append(env, childEnv+"="+mode, "BASE="+base)...)
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child %s: %v\n%s", mode, err, out)
	}
	got := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "\t"); ok {
			got[k] = v
		}
	}
	return got, string(out)
}

func check(t *testing.T, got map[string]string, want map[string]string) {
	t.Helper()
	for k, w := range want {
		if !slices.Contains(strings.Split(w, "|"), got[k]) {
			t.Errorf("%s: got %q, want %q", k, got[k], w)
		}
	}
}

// nobody is the credential of an unprivileged user, nil when the test
// already runs unprivileged.
var nobody = testenv.Nobody

func TestFilesystem(t *testing.T) {
	needABI(t, 3)
	want := map[string]string{
		"read ro": "ok", "write ro": "EACCES", "create in ro": "EACCES",
		"read denied": "EACCES", "list denied": "EACCES", "write denied": "EACCES",
		"write rw": "ok", "read rw": "ok", "mkdir rw": "ok", "rename within rw": "ok",
		"read via symlink": "EACCES", "symlink in rw": "ok", "read via own symlink": "EACCES",
		"hardlink denied into rw": "EXDEV|EACCES", "rename denied into rw": "EXDEV|EACCES",
		"read /etc": "EACCES",
	}
	for _, who := range []string{"root", "unprivileged"} {
		t.Run(who, func(t *testing.T) {
			var cred *syscall.Credential
			if who == "unprivileged" {
				cred = nobody(t)
			} else if os.Geteuid() != 0 {
				t.Skip("not root")
			}
			base := fixture(t)
			got, out := run(t, base, "fs", cred)
			check(t, got, want)
			if !strings.HasPrefix(got["status"], fmt.Sprintf("landlock ABI %d; fs ", min(ABI(), maxKnownABI))) {
				t.Errorf("status %q", got["status"])
			}
			if t.Failed() {
				t.Logf("child output:\n%s", out)
			}
			if b, _ := os.ReadFile(filepath.Join(base, "denied", "secret")); string(b) != "canary\n" {
				t.Errorf("canary changed: %q", b)
			}
		})
	}
}

// TestDeny: denied paths below allowed ones get no right — read-only or
// read-write — while their neighbours keep theirs. (The folders on the way
// keep the right to list, which is inherited: Landlock alone would let a
// denied folder's names be listed; the sandbox's mask mount hides them.)
func TestDeny(t *testing.T) {
	needABI(t, 3)
	base := fixture(t)
	got, out := run(t, base, "deny", nobody(t))
	check(t, got, map[string]string{"read ro": "ok", "list base": "ok",
		"read denied":       "EACCES",
		"read denied in rw": "EACCES", "write denied in rw": "EACCES",
		"write rw sibling": "ok", "create beside denied": "EACCES"})
	if t.Failed() {
		t.Logf("child output:\n%s", out)
	}
	if b, _ := os.ReadFile(filepath.Join(base, "rw", "hidden")); string(b) != "canary\n" {
		t.Errorf("canary changed: %q", b)
	}
}

func TestRules(t *testing.T) {
	needABI(t, 1)
	base := fixture(t)
	got, out := run(t, base, "rules", nil)
	// Rules apply beneath their path: listing is granted in every directory
	// below base, reading only below ro.
	check(t, got, map[string]string{"list base": "ok", "list ro": "ok", "read ro file": "ok",
		"read denied": "EACCES", "exec ro-readable": "EACCES"})
	if t.Failed() {
		t.Logf("child output:\n%s", out)
	}
}

func TestExecInheritsDomain(t *testing.T) {
	needABI(t, 1)
	base := fixture(t)
	got, out := run(t, base, "exec", nil)
	check(t, got, map[string]string{"exec from rw": "EACCES"})
	for _, want := range []string{"public\nread ro ok\n", "Permission denied", "read denied refused\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("exec'd shell output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "canary") {
		t.Errorf("denied file read after execve:\n%s", out)
	}
}

func TestNetwork(t *testing.T) {
	needABI(t, abiNet)
	var ports []string
	for range 2 {
		l, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		ports = append(ports, strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
	}
	base := fixture(t)
	env := []string{"PORT1=" + ports[0], "PORT2=" + ports[1]}
	got, out := run(t, base, "net", nil, env...)
	check(t, got, map[string]string{"connect allowed port": "ok", "connect other port": "EACCES", "bind": "EACCES"})
	if !strings.Contains(got["status"], "net bind_tcp,connect_tcp") {
		t.Errorf("status %q does not say TCP is restricted", got["status"])
	}
	if t.Failed() {
		t.Logf("child output:\n%s", out)
	}
	// Control: without Net the same connect and bind work.
	got, _ = run(t, base, "net-off", nil, env...)
	check(t, got, map[string]string{"connect allowed port": "ok", "connect other port": "ok", "bind": "ok"})
}

func TestScope(t *testing.T) {
	needABI(t, abiScope)
	sleep := exec.Command("/bin/sleep", "60")
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sleep.Process.Kill(); _ = sleep.Wait() })
	name := fmt.Sprintf("cordon-landlock-test-%d", os.Getpid())
	l, err := net.Listen("unix", "@"+name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	base := fixture(t)
	env := []string{"OUTSIDE_PID=" + strconv.Itoa(sleep.Process.Pid), "ABSTRACT=" + name}
	got, out := run(t, base, "scope", nil, env...)
	check(t, got, map[string]string{"signal outside": "EPERM", "signal self": "ok", "connect abstract outside": "EPERM"})
	if t.Failed() {
		t.Logf("child output:\n%s", out)
	}
	got, _ = run(t, base, "scope-off", nil, env...)
	check(t, got, map[string]string{"signal outside": "ok", "connect abstract outside": "ok"})
}

func TestStatusAndRequirement(t *testing.T) {
	v := ABI()
	if v == 0 {
		_, err := Prepare(Policy{MinABI: 1})
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("no Landlock, MinABI 1: %v, want ErrUnavailable", err)
		}
		return
	}
	_, err := Prepare(Policy{MinABI: v + 1})
	var ue *UnavailableError
	if !errors.As(err, &ue) || !errors.Is(err, ErrUnavailable) || ue.Have != v || ue.Want != v+1 {
		t.Fatalf("MinABI above the kernel: %v, want *UnavailableError{Have: %d}", err, v)
	}
	_, err = Prepare(Policy{ReadOnly: []string{"/nonexistent-cordon"}, MinABI: 1})
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing path: %v, want a not-exist error", err)
	}
	tests := []struct {
		p                  Policy
		net, scope, tcpAll bool
	}{
		{Policy{}, false, false, false},
		{Policy{Net: &Net{}}, v >= abiNet, false, v >= abiNet},
		{Policy{Scope: true}, false, v >= abiScope, false},
	}
	for _, tt := range tests {
		rs, err := Prepare(tt.p)
		if err != nil {
			t.Fatal(err)
		}
		st := rs.Status
		rs.Close()
		if st.ABI != min(v, maxKnownABI) || (st.Net != 0) != tt.net || (st.Scoped != 0) != tt.scope || st.NetRestricted() != tt.tcpAll {
			t.Errorf("Prepare(%+v).Status = %+v (%s)", tt.p, st, st)
		}
		fs, _, _ := handled(st.ABI)
		if st.FS != fs {
			t.Errorf("FS handled %#x, want all of ABI %d (%#x)", st.FS, st.ABI, fs)
		}
	}
}

func TestHandled(t *testing.T) {
	tests := []struct {
		abi             int
		fs, net, scoped uint64
	}{
		{0, 0, 0, 0},
		{1, 0x1fff, 0, 0},
		{2, 0x3fff, 0, 0},
		{3, 0x7fff, 0, 0},
		{4, 0x7fff, 0x3, 0},
		{5, 0xffff, 0x3, 0},
		{6, 0xffff, 0x3, 0x3},
		{7, 0xffff, 0x3, 0x3},
		{9, 0x1ffff, 0x3, 0x3},
		{10, 0x1ffff, 0xf, 0x3},
	}
	for _, tt := range tests {
		fs, net, scoped := handled(tt.abi)
		if fs != tt.fs || net != tt.net || scoped != tt.scoped {
			t.Errorf("handled(%d) = %#x %#x %#x, want %#x %#x %#x", tt.abi, fs, net, scoped, tt.fs, tt.net, tt.scoped)
		}
	}
	if unix.LANDLOCK_ACCESS_FS_RESOLVE_UNIX != fsResolveUnix || unix.LANDLOCK_ACCESS_NET_CONNECT_SEND_UDP != netConnectSendUDP ||
		unix.LANDLOCK_SCOPE_SIGNAL != scopeSignal || unix.LANDLOCK_RESTRICT_SELF_TSYNC != restrictTSync {
		t.Error("constants differ from golang.org/x/sys/unix")
	}
}
