//go:build linux

package sandbox

// The stage-2 init: a re-execution of the running binary as pid 1 of the
// sandbox's namespaces. init below recognises it by argv[0] before any
// main (or test main) runs, in every binary that imports this package, and
// never returns.

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// stage2Arg0 is argv[0] of the stage-2 init.
const stage2Arg0 = "cordon-sandbox-init"

// Fds of the stage-2 init. Its own stderr (fd 2) is a pipe the
// supervisor keeps apart (a Go crash of the init explains its death, and
// never mixes with the script's output); the interpreter's stderr arrives
// as scriptStderrFD and becomes the child's fd 2.
const (
	ctlFD          = 3
	scriptStderrFD = 4
	firstBind      = 5
	stage2Host     = "cordon"
)

func init() {
	if len(os.Args) == 1 && os.Args[0] == stage2Arg0 {
		initNS = Monotonic()
		os.Exit(stage2())
	}
}

// initNS is when the init began to run (CLOCK_MONOTONIC), reported ready.
var initNS int64

// stage2 runs the init and returns its exit code (the supervisor reads the
// outcome from the control socket, not from the code).
func stage2() int {
	// Signals from inside reach the init only if it has a handler; the Go
	// runtime has one for most; catch the ones whose default would end
	// the init (Landlock's signal scope refuses them anyway from ABI 6).
	// Handled (not ignored: an ignored disposition would survive the
	// interpreter's execve, a handled one is reset to default in the child).
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM,
		syscall.SIGPIPE, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGALRM, syscall.SIGTTIN, syscall.SIGTTOU)
	go func() {
		for range sigs {
		}
	}()
	// Not dumpable: nothing inside may ptrace the init or open its fds.
	_ = unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
	// Every descriptor the supervisor's process inherited without
	// close-on-exec (a socket to a host service, a directory) reached the
	// init through exec; none may reach the interpreter. Its own are
	// 0-2, set up at the fork.
	if err := cloexecFrom(ctlFD); err != nil {
		sendError(ctlFD, fail("init: close-on-exec for inherited descriptors", err))
		return 1
	}
	ctl := ctlFD
	specJSON, err := recvSpec(ctl)
	if err != nil {
		sendError(ctl, fail("control: spec", err))
		return 1
	}
	if err := runInit(ctl, specJSON); err != nil {
		sendError(ctl, err)
		return 1
	}
	return 0
}

func sendError(ctl int, err error) {
	m := errorMsg{Error: err.Error()}
	if s := (*step)(nil); errors.As(err, &s) {
		m.Step = s.name
		m.Error = s.err.Error()
	}
	if c := (*childErr)(nil); errors.As(err, &c) {
		m.Step, m.Layer, m.Error = stepNames[c.step], childLayer[c.step], c.errno.Error()
	}
	send(ctl, msgError, m, nil)
}

func send(ctl int, kind byte, body any, fds []int) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	return unix.Sendmsg(ctl, append([]byte{kind}, b...), oob, nil, 0)
}

type childErr struct {
	step  childStep
	errno syscall.Errno
}

func (c *childErr) Error() string {
	return fmt.Sprintf("%s: %v", stepNames[c.step], c.errno)
}

func runInit(ctl int, specJSON []byte) error {
	var spec Spec
	if err := json.Unmarshal(specJSON, &spec); err != nil {
		return fail("decoding the spec", err)
	}
	ro := make([]int, len(spec.ReadOnly))
	rw := make([]int, len(spec.ReadWrite))
	for i := range ro {
		ro[i] = firstBind + i
	}
	for i := range rw {
		rw[i] = firstBind + len(ro) + i
	}
	if !spec.Detached {
		// Open the sources in this mount namespace before the root's
		// tmpfs shadows anything (a bind's source must be a mount of the
		// caller's own namespace).
		for i, p := range append(append([]string(nil), spec.ReadOnly...), spec.ReadWrite...) {
			fd, err := unix.Open(p, unix.O_PATH|unix.O_CLOEXEC, 0)
			if err != nil {
				return fail("rootfs: open "+p, err)
			}
			if i < len(ro) {
				ro[i] = fd
			} else {
				rw[i-len(ro)] = fd
			}
		}
	}
	if err := unix.Sethostname([]byte(stage2Host)); err != nil {
		return fail("uts: hostname", err)
	}
	if !spec.HostNetwork {
		if err := loopbackUp(); err != nil {
			return err
		}
	}
	var readyFDs []int
	if spec.ProxyPort > 0 {
		fd, err := proxyListen(spec.ProxyPort)
		if err != nil {
			return err
		}
		readyFDs = append(readyFDs, fd)
	}
	if err := buildRoot(&spec, ro, rw); err != nil {
		return err
	}
	for _, fd := range append(ro, rw...) {
		unix.Close(fd)
	}
	lastCap, err := readLastCap()
	if err != nil {
		return fail("capabilities: cap_last_cap", err)
	}
	llFD, llFlags, abi := -1, uint32(0), 0
	if spec.Landlock {
		rs, err := landlockRuleset(&spec)
		if err != nil {
			return err
		}
		llFD, llFlags, abi = rs.FD, rs.Flags, rs.Status.ABI
	}
	var filter *seccompFilter
	if spec.Seccomp {
		if filter, err = buildSeccomp(spec.Syscalls); err != nil {
			return fail("seccomp: build filter", err)
		}
	}
	if err := send(ctl, msgReady, readyMsg{LandlockABI: abi, Threads: threads(), InitNS: initNS, Build: BuildID()}, readyFDs); err != nil {
		return fail("control: ready", err)
	}
	// The proxy's socket is the supervisor's now; the interpreter never
	// holds it.
	for _, fd := range readyFDs {
		unix.Close(fd)
	}

	ls := &childLayers{rlimits: spec.Rlimits, lastCap: lastCap, landlockFD: llFD, landlockFlags: llFlags, filter: filter}
	if spec.Warm != nil {
		return runWarm(ctl, &spec, ls)
	}

	// Wait for the task (and with it, the word that the init is in its
	// cgroup).
	task, files, err := recvTask(ctl)
	if err != nil {
		return fail("control: task", err)
	}
	if err := writeFiles(task.Files, files); err != nil {
		return err
	}
	pid, execNS, workFD, err := startInterpreter(ctl, task.Argv, task.Env, ls, -1)
	if err != nil {
		return err
	}
	send(ctl, msgStarted, startedMsg{Pid: pid, ExecNS: execNS}, []int{workFD})
	unix.Close(workFD)
	return reap(ctl, pid)
}

// childLayers are the per-process layers the init prepared for the
// interpreter's process.
type childLayers struct {
	rlimits       []Rlimit
	lastCap       int
	landlockFD    int
	landlockFlags uint32
	filter        *seccompFilter
}

// startInterpreter forks the interpreter's process, which applies the
// layers and execs argv, and returns its pid once the execve succeeded,
// with the moment it did and a descriptor of the work dir. jobFD, when not
// -1, is left open across the execve (a warm interpreter's job socket).
func startInterpreter(ctl int, argv, env []string, ls *childLayers, jobFD int) (pid int, execNS int64, workFD int, err error) {
	// The cgroup namespace is unshared only now, after the supervisor
	// placed the init: unsharing before placement would make the host path
	// visible in /proc/self/cgroup. Namespaces belong to threads, so the
	// unshare and the fork happen on one locked thread.
	runtime.LockOSThread()
	if err := unix.Unshare(unix.CLONE_NEWCGROUP); err != nil {
		return 0, 0, -1, fail("cgroupns: unshare", err)
	}
	plan, err := newChildPlan(argv, env, WorkDir)
	if err != nil {
		return 0, 0, -1, fail("task: argv", err)
	}
	plan.stderrFD = scriptStderrFD
	plan.jobFD = jobFD
	plan.rlimits = withInitThreads(ls.rlimits, threads())
	plan.lastCap = ls.lastCap
	plan.landlockFD, plan.landlockFlags = ls.landlockFD, ls.landlockFlags
	if f := ls.filter; f != nil {
		plan.seccompProg, plan.seccompFlags, plan.report = f.prog, f.flags, f.report
		if f.report {
			plan.withListener(ctl)
		}
	}
	// The work dir, for the supervisor: it collects output files through
	// this descriptor once the run is over and every process of the
	// sandbox is gone (the tmpfs lives as long as the descriptor does).
	workFD, err = unix.Open(WorkDir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, 0, -1, fail("work dir: open", err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		unix.Close(workFD)
		return 0, 0, -1, fail("fork: pipe", err)
	}
	plan.errFD = int(errW.Fd())
	pid, err = forkChild(plan)
	errW.Close()
	runtime.KeepAlive(ls.filter)
	if err != nil {
		unix.Close(workFD)
		return 0, 0, -1, fail("fork", err)
	}
	var buf [8]byte
	n, _ := errR.Read(buf[:])
	execNS = Monotonic()
	errR.Close()
	if n == 8 {
		unix.Close(workFD)
		st := childStep(uint32(buf[0]) | uint32(buf[1])<<8 | uint32(buf[2])<<16 | uint32(buf[3])<<24)
		en := syscall.Errno(uint32(buf[4]) | uint32(buf[5])<<8 | uint32(buf[6])<<16 | uint32(buf[7])<<24)
		var ws unix.WaitStatus
		unix.Wait4(pid, &ws, 0, nil)
		return 0, 0, -1, &childErr{step: st, errno: en}
	}
	return pid, execNS, workFD, nil
}

// reap waits for the interpreter, reaping every orphan meanwhile, and
// reports its status. Returning ends pid 1, and the kernel kills whatever
// is left in the namespace.
func reap(ctl, pid int) error {
	for {
		var ws unix.WaitStatus
		got, err := unix.Wait4(-1, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fail("wait", err)
		}
		if got != pid {
			continue
		}
		exitNS := Monotonic()
		var ru unix.Rusage
		_ = unix.Getrusage(unix.RUSAGE_CHILDREN, &ru)
		m := exitMsg{
			ExitNS:     exitNS,
			WaitStatus: uint32(ws),
			UserUS:     ru.Utime.Sec*1e6 + ru.Utime.Usec,
			SysUS:      ru.Stime.Sec*1e6 + ru.Stime.Usec,
			MaxRSSKB:   ru.Maxrss,
		}
		return send(ctl, msgExit, m, nil)
	}
}

// maxSpec bounds the spec message.
const maxSpec = 1 << 20

// recvSpec reads the spec, the supervisor's first message.
func recvSpec(ctl int) ([]byte, error) {
	buf := make([]byte, maxSpec)
	for {
		n, _, _, _, err := unix.Recvmsg(ctl, buf, nil, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n == 0 || buf[0] != msgSpec {
			return nil, fmt.Errorf("expected the spec first, got %d bytes", n)
		}
		return buf[1:n], nil
	}
}

func recvTask(ctl int) (*Task, []*os.File, error) {
	buf := make([]byte, 1<<20)
	oob := make([]byte, unix.CmsgSpace(4*maxFiles))
	n, oobn, _, _, err := unix.Recvmsg(ctl, buf, oob, unix.MSG_CMSG_CLOEXEC)
	if err != nil {
		return nil, nil, err
	}
	if n == 0 {
		return nil, nil, fmt.Errorf("supervisor closed the control socket")
	}
	if buf[0] != msgTask {
		return nil, nil, fmt.Errorf("unexpected message %q", buf[0])
	}
	var t Task
	if err := json.Unmarshal(buf[1:n], &t); err != nil {
		return nil, nil, err
	}
	var files []*os.File
	if oobn > 0 {
		msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
		if err != nil {
			return nil, nil, err
		}
		for _, m := range msgs {
			fds, err := unix.ParseUnixRights(&m)
			if err != nil {
				return nil, nil, err
			}
			for _, fd := range fds {
				files = append(files, os.NewFile(uintptr(fd), "file"))
			}
		}
	}
	if len(files) != len(t.Files) {
		return nil, nil, fmt.Errorf("%d file names for %d files", len(t.Files), len(files))
	}
	return &t, files, nil
}

// maxFiles bounds the files of one task (script included).
const maxFiles = 64

// writeFiles copies the task's files into the work dir; the names were
// checked by the supervisor and are checked again here (one path element).
func writeFiles(names []string, files []*os.File) error {
	for i, name := range names {
		if name == "" || name == "." || name == ".." || strings.ContainsRune(name, '/') {
			files[i].Close()
			return fail("work dir: file name", fmt.Errorf("bad name %q", name))
		}
		dst, err := os.OpenFile(WorkDir+"/"+name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			files[i].Close()
			return fail("work dir: "+name, err)
		}
		_, err = dst.ReadFrom(files[i])
		files[i].Close()
		if cerr := dst.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fail("work dir: "+name, err)
		}
	}
	return nil
}

// threads counts the init's tasks.
func threads() int {
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return 0
	}
	return len(ents)
}

// withInitThreads adds the init's n tasks to RLIMIT_NPROC, which counts
// every task of the uid in this user namespace.
func withInitThreads(rl []Rlimit, n int) []Rlimit {
	out := append([]Rlimit(nil), rl...)
	for i := range out {
		if out[i].Resource == unix.RLIMIT_NPROC {
			out[i].Cur += uint64(n)
			out[i].Max += uint64(n)
		}
	}
	return out
}

func readLastCap() (int, error) {
	b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

// cloexecFrom marks every descriptor from first up close-on-exec:
// close_range(CLOSE_RANGE_CLOEXEC) (5.11), else one by one from
// /proc/self/fd.
func cloexecFrom(first int) error {
	if err := unix.CloseRange(uint(first), ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err == nil {
		return nil
	}
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return err
	}
	for _, e := range ents {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd >= first {
			unix.CloseOnExec(fd)
		}
	}
	return nil
}
