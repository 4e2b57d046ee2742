//go:build linux

package sandbox

// A warm sandbox (Spec.Warm): the init starts the interpreter as soon as
// the root is built and the init placed in its cgroup, with every
// per-process layer applied exactly as for a cold run (the same fork and
// child steps: rlimits, capabilities, no_new_privs, Landlock, seccomp).
// The interpreter runs a small trampoline (warmTrampoline) instead of the
// script: it imports site and the preload modules, says so with one byte on
// its job socket and blocks reading the job. At hand-over the init writes
// the task's files into the work dir, then the job (the script's path, its
// arguments, the command line and environment a cold run would have had)
// into the socket and shuts it; the trampoline reads it to the end, closes
// the socket — nothing of the init stays reachable — and runs the script
// as __main__.
//
// Start, hand-over and exit messages:
//
//	init → supervisor   R ready (root built)
//	supervisor → init   G placed: start the interpreter
//	init → supervisor   W the interpreter waits (startedMsg: pid, exec time)
//	supervisor → init   T the task
//	init → supervisor   S started (startedMsg: hand-over time, baseline; fd: work dir)
//	init → supervisor   X exit

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// warmTrampoline is the waiting interpreter's program (python -c). argv[1]
// is the job socket's fd, argv[2:] the modules to preload. The job is
// NUL-separated: "1" or "0" (unbuffered), the script's path, the number of
// arguments and the arguments, the number of words of the cold command
// line and its words, then the environment's NAME=VALUE entries.
//
// The script runs in a fresh __main__ module with the names a cold run's
// __main__ has (__file__, __loader__, __spec__ None, __cached__ None,
// __builtins__); sys.argv, sys.orig_argv, sys.path[0] and os.environ are
// what the cold run's would be; a traceback starts at the script's frame
// (the trampoline's own frame is cut), a SyntaxError prints as the cold
// interpreter prints it, and an uncaught KeyboardInterrupt ends the
// process by SIGINT after the atexit handlers, as CPython does.
const warmTrampoline = `import sys, os
def _cordon_job(fd):
    for m in sys.argv[2:]:
        __import__(m)
    os.write(fd, b"r")
    parts = []
    while True:
        b = os.read(fd, 65536)
        if not b:
            break
        parts.append(b)
    os.close(fd)
    return b"".join(parts).split(b"\0")
def _cordon_run(f):
    import builtins, io
    d = os.fsdecode
    unbuffered, script, n = f[0] == b"1", d(f[1]), int(f[2])
    args = [d(a) for a in f[3:3 + n]]
    m = int(f[3 + n])
    orig = [d(a) for a in f[4 + n:4 + n + m]]
    os.environ.clear()
    for e in f[4 + n + m:]:
        k, eq, v = e.partition(b"=")
        if eq:
            os.environb[k] = v
    sys.argv = [script] + args
    sys.orig_argv = orig
    if not sys.flags.safe_path and sys.path and sys.path[0] == "":
        sys.path[0] = os.path.dirname(script)
    if unbuffered:
        for fd, name, errors in ((1, "stdout", sys.stdout.errors), (2, "stderr", "backslashreplace")):
            s = io.TextIOWrapper(io.FileIO(fd, "w", closefd=False), encoding=getattr(sys, name).encoding, errors=errors, write_through=True)
            setattr(sys, name, s)
            setattr(sys, "__" + name + "__", s)
    mod = type(sys)("__main__")
    mod.__file__, mod.__cached__, mod.__spec__, mod.__package__ = script, None, None, None
    mod.__builtins__ = builtins
    mod.__loader__ = sys.modules["_frozen_importlib_external"].SourceFileLoader("__main__", script)
    sys.modules["__main__"] = mod
    try:
        with open(script, "rb") as fh:
            code = compile(fh.read(), script, "exec", dont_inherit=True)
        del f, args, orig, fh
        exec(code, mod.__dict__)
    except SystemExit:
        raise
    except BaseException as e:
        tb = e.__traceback__.tb_next
        e.__traceback__ = tb
        sys.excepthook(type(e), e, tb)
        if isinstance(e, KeyboardInterrupt):
            import atexit, signal
            atexit._run_exitfuncs()
            for s in (sys.stdout, sys.stderr):
                try:
                    s.flush()
                except Exception:
                    pass
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGINT)
        e = tb = None
        raise SystemExit(1) from None
_cordon_run(_cordon_job(int(sys.argv[1])))
`

// runWarm is the rest of a warm init's life once it is ready: start the
// interpreter when placed, hand it its job, reap it.
func runWarm(ctl int, spec *Spec, ls *childLayers) error {
	if err := recvGo(ctl); err != nil {
		return fail("control: start", err)
	}
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fail("warm: job socket", err)
	}
	job, theirs := pair[0], pair[1]
	argv := append(append([]string(nil), spec.Warm.Argv...), "-c", warmTrampoline, strconv.Itoa(theirs))
	argv = append(argv, spec.Warm.Preload...)
	pid, execNS, workFD, err := startInterpreter(ctl, argv, spec.Warm.Env, ls, theirs)
	unix.Close(theirs)
	if err != nil {
		return err
	}
	// The interpreter's word that it waits (or its end: a preload module
	// that failed to import).
	var b [1]byte
	n, _ := readFull(job, b[:])
	if n != 1 || b[0] != 'r' {
		var ws unix.WaitStatus
		_, _ = unix.Wait4(pid, &ws, 0, nil)
		return fail("warm: interpreter start", fmt.Errorf("the interpreter ended before it waited for its job (%s)", waitText(ws)))
	}
	if err := send(ctl, msgWarm, startedMsg{Pid: pid, ExecNS: execNS}, nil); err != nil {
		return fail("control: warm", err)
	}
	task, files, err := recvTask(ctl)
	if err != nil {
		return fail("control: task", err)
	}
	if err := writeFiles(task.Files, files); err != nil {
		return err
	}
	base := baseline(pid)
	handNS := Monotonic()
	// A write to an interpreter that died meanwhile fails (EPIPE): its
	// end is reported as the run's.
	_, _ = writeFull(job, encodeJob(task))
	unix.Close(job)
	send(ctl, msgStarted, startedMsg{Pid: pid, ExecNS: handNS, Base: base}, []int{workFD})
	unix.Close(workFD)
	return reap(ctl, pid)
}

// recvGo waits for the supervisor's word that the init is placed.
func recvGo(ctl int) error {
	var buf [16]byte
	for {
		n, _, _, _, err := unix.Recvmsg(ctl, buf[:], nil, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n == 0 || buf[0] != msgWarmGo {
			return fmt.Errorf("expected the start message, got %d bytes", n)
		}
		return nil
	}
}

// encodeJob is the trampoline's job: see warmTrampoline.
func encodeJob(t *Task) []byte {
	unbuf := "0"
	if t.Unbuffered {
		unbuf = "1"
	}
	words := []string{unbuf, t.Script, strconv.Itoa(len(t.Args))}
	words = append(words, t.Args...)
	words = append(words, strconv.Itoa(len(t.Argv)))
	words = append(words, t.Argv...)
	words = append(words, t.Env...)
	return []byte(strings.Join(words, "\x00"))
}

// baseline reads a process's CPU (clock ticks of 10 ms: USER_HZ is 100)
// and resident memory.
func baseline(pid int) Baseline {
	var b Baseline
	if stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil {
		// Fields after the command's closing parenthesis; utime and
		// stime are the 14th and 15th of the line.
		if i := strings.LastIndexByte(string(stat), ')'); i > 0 {
			f := strings.Fields(string(stat[i+1:]))
			if len(f) > 12 {
				u, _ := strconv.ParseInt(f[11], 10, 64)
				s, _ := strconv.ParseInt(f[12], 10, 64)
				b.UserUS, b.SysUS = u*10000, s*10000
			}
		}
	}
	if st, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status"); err == nil {
		for _, line := range strings.Split(string(st), "\n") {
			if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				b.RSSKB, _ = strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			}
		}
	}
	return b
}

func waitText(ws unix.WaitStatus) string {
	switch {
	case ws.Exited():
		return fmt.Sprintf("exit status %d", ws.ExitStatus())
	case ws.Signaled():
		return "signal " + unix.SignalName(ws.Signal())
	}
	return "ended"
}

func readFull(fd int, b []byte) (int, error) {
	got := 0
	for got < len(b) {
		n, err := unix.Read(fd, b[got:])
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 {
			return got, err
		}
		got += n
	}
	return got, nil
}

func writeFull(fd int, b []byte) (int, error) {
	done := 0
	for done < len(b) {
		n, err := unix.Write(fd, b[done:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return done, err
		}
		done += n
	}
	return done, nil
}

// warmUp tells a warm init it is placed and waits until its interpreter
// waits for the job.
func (s *Sandbox) warmUp(ctx context.Context) error {
	if err := unix.Sendmsg(s.ctl, []byte{msgWarmGo}, nil, nil, 0); err != nil {
		return &SetupError{Step: "control: start the interpreter", Err: err.Error()}
	}
	select {
	case m := <-s.msgs:
		switch {
		case m.err != nil:
			return &SetupError{Step: "stage-2 init", Err: "ended before the interpreter waited: " + m.err.Error()}
		case m.kind == msgWarm:
			var sm startedMsg
			if err := json.Unmarshal(m.body, &sm); err != nil {
				return err
			}
			s.warmNS = sm.ExecNS
			return nil
		case m.kind == msgError:
			return decodeError(m.body)
		}
		return fmt.Errorf("stage-2 init: unexpected message %q", m.kind)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Warm reports whether the sandbox's interpreter was started before its
// task (Spec.Warm), and Baseline what it had used by the hand-over (zero
// before Run returned).
func (s *Sandbox) Warm() bool { return s.warm }

// Baseline is a warm interpreter's usage at hand-over.
func (s *Sandbox) Baseline() Baseline {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.base
}
