//go:build linux

package seccomp

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/cordonsec/cordon/internal/testenv"
)

// childEnv selects a helper mode when this test binary is re-executed; the
// child installs the filter (irreversible), hands its listener to the test
// over fd 3 and then attacks.
const childEnv = "CORDON_SECCOMP_TEST_CHILD"

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "":
		os.Exit(m.Run())
	case "victim":
		install()
		victim()
		os.Exit(0)
	case "orphan":
		install()
		_, _ = os.Stdin.Read(make([]byte, 1)) // the test has closed the listener
		_, _, e := unix.Syscall(unix.SYS_ACCT, cstr("/nonexistent-cordon-test/x"), 0, 0)
		fmt.Printf("acct\t%d\n", int(e))
		os.Exit(0)
	case "bench":
		install()
		benchChild()
		os.Exit(0)
	case "python":
		install()
		py := os.Getenv("PYTHON")
		err := syscall.Exec(py, []string{py, "-I", os.Getenv("SCRIPT")}, os.Environ())
		fmt.Fprintln(os.Stderr, "exec:", err)
		os.Exit(3)
	}
	os.Exit(4)
}

// install applies the reporting filter and sends the listener over fd 3.
func install() {
	f, err := Build(Options{Report: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(5)
	}
	l, err := f.Apply()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(6)
	}
	if err := SendListener(3, l); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(7)
	}
	unix.Close(l)
	unix.Close(3)
}

// attack is one refused syscall with arguments that would fail harmlessly
// (EINVAL, EBADF, ENOENT, EFAULT…) if the filter did not stop it.
type attack struct {
	name string
	nr   uintptr
	args [6]uintptr
	want unix.Errno
}

func cstr(s string) uintptr {
	b := append([]byte(s), 0)
	return uintptr(unsafe.Pointer(&b[0]))
}

func attacks() []attack {
	bad := ^uintptr(0) // -1
	none := cstr("/nonexistent-cordon-test/x")
	return []attack{
		{"ptrace", unix.SYS_PTRACE, [6]uintptr{unix.PTRACE_ATTACH, 0x7ffffff0}, unix.EPERM},
		{"process_vm_readv", unix.SYS_PROCESS_VM_READV, [6]uintptr{0x7ffffff0}, unix.EPERM},
		{"process_vm_writev", unix.SYS_PROCESS_VM_WRITEV, [6]uintptr{0x7ffffff0}, unix.EPERM},
		{"mount", unix.SYS_MOUNT, [6]uintptr{cstr("none"), none, cstr("tmpfs")}, unix.EPERM},
		{"umount2", unix.SYS_UMOUNT2, [6]uintptr{none}, unix.EPERM},
		{"fsopen", unix.SYS_FSOPEN, [6]uintptr{0, bad}, unix.EPERM},
		{"fsconfig", unix.SYS_FSCONFIG, [6]uintptr{bad}, unix.EPERM},
		{"fsmount", unix.SYS_FSMOUNT, [6]uintptr{bad}, unix.EPERM},
		{"move_mount", unix.SYS_MOVE_MOUNT, [6]uintptr{bad, 0, bad, 0, bad}, unix.EPERM},
		{"open_tree", unix.SYS_OPEN_TREE, [6]uintptr{bad, 0, bad}, unix.EPERM},
		{"fspick", unix.SYS_FSPICK, [6]uintptr{bad, 0, bad}, unix.EPERM},
		{"mount_setattr", unix.SYS_MOUNT_SETATTR, [6]uintptr{bad, 0, bad}, unix.EPERM},
		{"pivot_root", unix.SYS_PIVOT_ROOT, [6]uintptr{none, none}, unix.EPERM},
		{"chroot", unix.SYS_CHROOT, [6]uintptr{none}, unix.EPERM},
		{"unshare", unix.SYS_UNSHARE, [6]uintptr{unix.CLONE_NEWUSER}, unix.EPERM},
		{"setns", unix.SYS_SETNS, [6]uintptr{bad, 0}, unix.EPERM},
		// CLONE_FS with CLONE_NEWUSER is EINVAL: no child even unfiltered.
		{"clone newuser", unix.SYS_CLONE, [6]uintptr{unix.CLONE_NEWUSER | unix.CLONE_FS | uintptr(unix.SIGCHLD)}, unix.EPERM},
		{"clone newns", unix.SYS_CLONE, [6]uintptr{unix.CLONE_NEWNS | unix.CLONE_FS | uintptr(unix.SIGCHLD)}, unix.EPERM},
		{"clone3", unix.SYS_CLONE3, [6]uintptr{0, 0}, unix.ENOSYS},
		{"init_module", unix.SYS_INIT_MODULE, [6]uintptr{0, 0, cstr("")}, unix.EPERM},
		{"finit_module", unix.SYS_FINIT_MODULE, [6]uintptr{bad, cstr(""), 0}, unix.EPERM},
		{"delete_module", unix.SYS_DELETE_MODULE, [6]uintptr{cstr("cordon_no_such_module"), unix.O_NONBLOCK}, unix.EPERM},
		{"kexec_load", unix.SYS_KEXEC_LOAD, [6]uintptr{0, 0, 0, 0xdead0000}, unix.EPERM},
		{"kexec_file_load", unix.SYS_KEXEC_FILE_LOAD, [6]uintptr{bad, bad, 0, 0, 0xdead}, unix.EPERM},
		{"bpf", unix.SYS_BPF, [6]uintptr{bad, 0, 0}, unix.EPERM},
		{"perf_event_open", unix.SYS_PERF_EVENT_OPEN, [6]uintptr{0, 0, bad, bad, 0}, unix.EPERM},
		{"keyctl", unix.SYS_KEYCTL, [6]uintptr{bad}, unix.EPERM},
		{"add_key", unix.SYS_ADD_KEY, [6]uintptr{0, 0, 0, 0, 0}, unix.EPERM},
		{"request_key", unix.SYS_REQUEST_KEY, [6]uintptr{0, 0, 0, 0}, unix.EPERM},
		{"userfaultfd", unix.SYS_USERFAULTFD, [6]uintptr{bad}, unix.EPERM},
		{"io_uring_setup", unix.SYS_IO_URING_SETUP, [6]uintptr{0, 0}, unix.EPERM},
		{"io_uring_enter", unix.SYS_IO_URING_ENTER, [6]uintptr{bad}, unix.EPERM},
		{"io_uring_register", unix.SYS_IO_URING_REGISTER, [6]uintptr{bad}, unix.EPERM},
		{"open_by_handle_at", unix.SYS_OPEN_BY_HANDLE_AT, [6]uintptr{bad, 0, 0}, unix.EPERM},
		{"name_to_handle_at", unix.SYS_NAME_TO_HANDLE_AT, [6]uintptr{bad, 0, 0, 0, 0}, unix.EPERM},
		{"reboot", unix.SYS_REBOOT, [6]uintptr{0, 0, 0, 0}, unix.EPERM}, // bad magic: EINVAL unfiltered
		{"swapon", unix.SYS_SWAPON, [6]uintptr{none, 0}, unix.EPERM},
		{"swapoff", unix.SYS_SWAPOFF, [6]uintptr{none}, unix.EPERM},
		{"acct", unix.SYS_ACCT, [6]uintptr{none}, unix.EPERM},
		{"settimeofday", unix.SYS_SETTIMEOFDAY, [6]uintptr{0, 0}, unix.EPERM}, // NULL, NULL: no-op unfiltered
		{"clock_settime", unix.SYS_CLOCK_SETTIME, [6]uintptr{bad, 0}, unix.EPERM},
		{"clock_adjtime", unix.SYS_CLOCK_ADJTIME, [6]uintptr{bad, 0}, unix.EPERM},
		{"adjtimex", unix.SYS_ADJTIMEX, [6]uintptr{0}, unix.EPERM},
		{"sethostname", unix.SYS_SETHOSTNAME, [6]uintptr{cstr("x"), bad}, unix.EPERM},
		{"setdomainname", unix.SYS_SETDOMAINNAME, [6]uintptr{cstr("x"), bad}, unix.EPERM},
		{"syslog", unix.SYS_SYSLOG, [6]uintptr{10, 0, 0}, unix.EPERM}, // SIZE_BUFFER: read-only
		{"quotactl", unix.SYS_QUOTACTL, [6]uintptr{0, 0, 0, 0}, unix.EPERM},
		{"lookup_dcookie", unix.SYS_LOOKUP_DCOOKIE, [6]uintptr{0, 0, 0}, unix.EPERM},
		{"vhangup", unix.SYS_VHANGUP, [6]uintptr{}, unix.EPERM}, // the child has no terminal
		{"iopl", unix.SYS_IOPL, [6]uintptr{4}, unix.EPERM},      // level 4: EINVAL unfiltered
		{"pidfd_getfd", unix.SYS_PIDFD_GETFD, [6]uintptr{bad, 0, 0}, unix.EPERM},
		{"ioctl TIOCSTI", unix.SYS_IOCTL, [6]uintptr{bad, tiocsti, cstr("x")}, unix.EPERM},
		{"ioctl TIOCSTI high bits", unix.SYS_IOCTL, [6]uintptr{bad, 1<<32 | tiocsti, cstr("x")}, unix.EPERM},
		{"ioctl TIOCLINUX", unix.SYS_IOCTL, [6]uintptr{bad, tioclinux, 0}, unix.EPERM},
		{"socket AF_VSOCK", unix.SYS_SOCKET, [6]uintptr{afVsock, unix.SOCK_STREAM | unix.SOCK_CLOEXEC, 0}, unix.EPERM},
		{"socket AF_ALG", unix.SYS_SOCKET, [6]uintptr{afALG, unix.SOCK_SEQPACKET | unix.SOCK_CLOEXEC, 0}, unix.EPERM},
		{"personality ADDR_NO_RANDOMIZE", unix.SYS_PERSONALITY, [6]uintptr{0x0040000}, unix.EPERM},
		{"x32 getpid", x32Bit | unix.SYS_GETPID, [6]uintptr{}, unix.EPERM},
		{"unlisted get_mempolicy", unix.SYS_GET_MEMPOLICY, [6]uintptr{0, 0, 0, 0, 0}, unix.ENOSYS},
	}
}

// victim tries each attack and prints "name errno", then shows that what
// it needs still works.
func victim() {
	runtime.LockOSThread()
	for _, a := range attacks() {
		_, _, e := unix.Syscall6(a.nr, a.args[0], a.args[1], a.args[2], a.args[3], a.args[4], a.args[5])
		fmt.Printf("%s\t%d\n", a.name, int(e))
	}
	if err := exec.Command("/bin/true").Run(); err != nil {
		fmt.Printf("fork+exec\t%v\n", err)
	} else {
		fmt.Printf("fork+exec\t0\n")
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() { defer wg.Done(); runtime.LockOSThread(); time.Sleep(time.Millisecond) }()
	}
	wg.Wait()
	fmt.Printf("threads\t0\n")
}

// runFiltered starts this test binary in mode, serves its listener and
// returns its output and the refusals reported.
func runFiltered(t *testing.T, mode string, env ...string) (string, []Refusal) {
	t.Helper()
	return runFilteredN(t, nil, mode, env...)
}

// runFilteredN is runFiltered for a test or a benchmark: errors go to tb.
func runFilteredN(t testing.TB, cred *syscall.Credential, mode string, env ...string) (string, []Refusal) {
	t.Helper()
	bin := os.Args[0]
	if cred != nil {
		// The test binary lives where the other user may not look: copy it.
		dir, err := os.MkdirTemp("", "cordon-seccomp-test-")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
		b, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		bin = filepath.Join(dir, "seccomp.test")
		if err := os.WriteFile(bin, b, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	child := os.NewFile(uintptr(fds[1]), "child-sock")
	defer unix.Close(fds[0])
	cmd := exec.Command(bin, "-test.run=^$")
	cmd.Env = append(os.Environ(), append(env, childEnv+"="+mode)...)
	cmd.ExtraFiles = []*os.File{child}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Credential: cred}
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	child.Close()
	defer func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }()
	l, err := RecvListener(fds[0])
	if err != nil {
		_ = cmd.Wait()
		t.Fatalf("%v; child stderr: %s", err, errb.String())
	}
	defer unix.Close(l)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var (
		mu   sync.Mutex
		refs []Refusal
		done = make(chan error, 1)
	)
	go func() {
		done <- Serve(ctx, l, func(r Refusal) { mu.Lock(); refs = append(refs, r); mu.Unlock() })
	}()
	// A hung child fails the test, not the whole binary: kill its session.
	timer := time.AfterFunc(90*time.Second, func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	defer timer.Stop()
	werr := cmd.Wait()
	// Serve returns once no process uses the filter any more.
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if werr != nil {
		t.Errorf("child: %v; stderr:\n%s", werr, errb.String())
	}
	mu.Lock()
	defer mu.Unlock()
	return out.String(), refs
}

func TestVictim(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("attack table written for amd64")
	}
	t.Run("root", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("not root")
		}
		victimRun(t, nil)
	})
	t.Run("unprivileged", func(t *testing.T) {
		victimRun(t, nobody(t))
	})
}

// nobody is the credential of an unprivileged user, nil when the test
// already runs unprivileged.
var nobody = testenv.Nobody

func victimRun(t *testing.T, cred *syscall.Credential) {
	out, refs := runFilteredN(t, cred, "victim")
	got := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		name, e, _ := strings.Cut(sc.Text(), "\t")
		got[name], _ = strconv.Atoi(e)
	}
	for _, a := range attacks() {
		e, ok := got[a.name]
		if !ok {
			t.Errorf("%s: not tried", a.name)
			continue
		}
		if unix.Errno(e) != a.want {
			t.Errorf("%s: errno %v, want %v", a.name, unix.Errno(e), a.want)
		}
	}
	for _, ok := range []string{"fork+exec", "threads"} {
		if got[ok] != 0 {
			t.Errorf("%s failed under the filter: %s", ok, out)
		}
	}
	// Every refusal but clone3's is reported, with the right name.
	for _, a := range attacks() {
		if a.name == "clone3" {
			continue
		}
		name := strings.Fields(a.name)[0]
		if strings.HasPrefix(a.name, "x32") {
			name = "x32:39"
		} else if strings.HasPrefix(a.name, "unlisted") {
			name = "get_mempolicy"
		}
		if !slices.ContainsFunc(refs, func(r Refusal) bool { return r.Name == name && r.Errno == a.want }) {
			t.Errorf("%s: refusal not reported (got %d reports)", a.name, len(refs))
		}
	}
	for _, r := range refs {
		if r.Name == "clone3" {
			t.Errorf("clone3 must not be reported: %+v", r)
		}
		if r.Pid <= 0 || r.Reason == "" || r.Kind == "" {
			t.Errorf("incomplete refusal %+v", r)
		}
	}
}

// TestListenerGone: with no listener left (a dead supervisor), a refused
// call fails with ENOSYS instead of waiting or succeeding.
func TestListenerGone(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	child := os.NewFile(uintptr(fds[1]), "child-sock")
	defer unix.Close(fds[0])
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=orphan")
	cmd.ExtraFiles = []*os.File{child}
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	child.Close()
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	l, err := RecvListener(fds[0])
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(l)
	_, _ = in.Write([]byte{1})
	timer := time.AfterFunc(30*time.Second, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v: %s", err, out.String())
	}
	if want := fmt.Sprintf("acct\t%d\n", int(unix.ENOSYS)); out.String() != want {
		t.Errorf("child output %q, want %q", out.String(), want)
	}
}
