//go:build linux

package sandbox

// The supervisor side of one sandbox: spawn the stage-2 init in new
// namespaces, place it, hand it a task, collect what it reports.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/cordonsec/cordon/layers"
	"github.com/cordonsec/cordon/sandbox/cgroup"
)

// Sandbox is one stage-2 init, from Start to Wait.
type Sandbox struct {
	cmd     *exec.Cmd
	ctl     int // the control socket; closed once, by closeCtl
	ctlOnce sync.Once
	stdinW  *os.File
	stdoutR *os.File
	stderrR *os.File
	initLog *initLog

	ready    readyMsg
	proxy    *os.File // the egress proxy's listening socket, until taken
	work     *os.File // the work dir, from the start of the interpreter
	placed   chan error
	msgs     chan message
	listener chan int

	idLease *os.File      // the leased host uid (root), held while the init lives
	group   *cgroup.Group // the run's cgroup (nil: none), owned from Start on

	sysvBounded bool // spec.SysVShm was applied

	warm   bool     // Spec.Warm: the interpreter started before the task
	warmNS int64    // when the warm interpreter's execve succeeded
	base   Baseline // a warm interpreter's usage at hand-over

	mu       sync.Mutex
	times    Times
	procDone chan struct{}
	waitErr  error
}

type message struct {
	kind byte
	body []byte
	fd   int   // a descriptor passed with it, or -1
	err  error // the socket failed or closed
}

// Exit is what the init reported about the interpreter.
type Exit struct {
	// Reported is false when the init ended without reporting (killed at
	// timeout, or setup failed): the other fields are then zero but
	// InitEnd and InitLog.
	Reported bool
	// InitEnd is how the init itself ended ("exit status 2", "signal:
	// killed"), InitLog the start of what it wrote to its stderr (a Go
	// runtime crash names its cause there).
	InitEnd    string
	InitLog    string
	WaitStatus unix.WaitStatus
	UserUS     int64
	SysUS      int64
	MaxRSSKB   int64
}

// SetupError is a failed sandbox step, with the layer it belongs to when
// known (layers.Seccomp, layers.Landlock, layers.Rootfs, ...).
type SetupError struct {
	Step  string
	Layer layers.Name
	Err   string
}

func (e *SetupError) Error() string {
	if e.Step == "" {
		return e.Err
	}
	return e.Step + ": " + e.Err
}

func (e *SetupError) Unwrap() error { return ErrSetup }

// Start spawns the stage-2 init and returns when the sandbox is built,
// in its cgroup, and waits for its task, or with an error (every process
// it started is gone, and Spec.Cgroup with them). The steps, in order:
// the bind sources, the control socket and pipes, the host ids, the spawn
// in new namespaces, the spec over the control socket, the cgroup
// placement (overlapping the init's own setup), the init's ready report.
func Start(ctx context.Context, spec Spec) (_ *Sandbox, err error) {
	startNS := Monotonic()
	b := &starting{spec: spec, s: &Sandbox{ctl: -1, group: spec.Cgroup, placed: make(chan error, 1),
		msgs: make(chan message, 8), listener: make(chan int, 1), procDone: make(chan struct{}),
		times: Times{Start: startNS}}}
	defer func() { b.finish(err) }()
	if err := b.openBinds(); err != nil {
		return nil, err
	}
	if err := b.openChannels(); err != nil {
		return nil, err
	}
	if err := b.hostIDs(); err != nil {
		return nil, err
	}
	if err := b.spawn(); err != nil {
		return nil, err
	}
	if err := b.boundSysV(); err != nil {
		return nil, err
	}
	// Copies are charged to the cgroup of whoever makes them: with copies
	// to make, the init is placed before it gets its spec (it waits for
	// it), so the copies count in the sandbox's memory limit.
	if err := b.placeFirst(); err != nil {
		return nil, err
	}
	// The spec goes over the control socket, never in argv or the
	// environment, which the script could read in /proc/1.
	if err := b.sendSpec(); err != nil {
		return nil, err
	}
	go b.s.readLoop()
	b.place()
	if err := b.awaitReady(ctx); err != nil {
		return nil, err
	}
	return b.s, nil
}

// starting is a sandbox being started: what Start made so far, undone by
// finish when a step fails.
type starting struct {
	spec    Spec
	s       *Sandbox
	binds   []*os.File  // detached bind sources, in spec order
	closers []io.Closer // the init's ends and the binds: closed either way
	// The init's ends of the control socket and of the pipes.
	ctlChild, stdinR, stdoutW, stderrW, logW *os.File
	uid, gid                                 int  // the host ids the sandbox uid maps to
	leased                                   bool // root: the namespace is created by the leased uid
	bornIn                                   bool // spawned straight into the cgroup
	placed                                   bool // placed before the spec was sent (placeFirst)
	spawned                                  bool
}

// finish closes what only the child needed and, when Start failed, ends
// the init and releases everything the sandbox held.
func (b *starting) finish(err error) {
	for _, c := range b.closers {
		c.Close()
	}
	if err == nil {
		return
	}
	s := b.s
	if b.spawned {
		s.Kill()
		<-s.procDone
	}
	if s.ctl >= 0 {
		s.closeCtl()
	}
	for _, f := range []*os.File{s.stdinW, s.stdoutR, s.stderrR, s.proxy} {
		if f != nil {
			f.Close()
		}
	}
	s.releaseHostUID()
	if s.group != nil {
		_ = s.group.Destroy()
	}
}

// openBinds: with CAP_SYS_ADMIN (root), the supervisor clones each bind
// source as a detached mount (open_tree) the init attaches with
// move_mount: the sandbox's host uid never has to traverse host folders
// such as a 0700 /root. Without it, the init opens the paths itself (they
// are the caller's own).
func (b *starting) openBinds() error {
	b.spec.Detached = hasSysAdmin()
	if !b.spec.Detached {
		return nil
	}
	for _, group := range [][]string{b.spec.ReadOnly, b.spec.ReadWrite} {
		for _, p := range group {
			fd, err := unix.OpenTree(unix.AT_FDCWD, p, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_RECURSIVE)
			if err != nil {
				return &SetupError{Step: "rootfs: open_tree " + p, Layer: layers.Rootfs, Err: err.Error()}
			}
			f := os.NewFile(uintptr(fd), p)
			b.closers = append(b.closers, f)
			b.binds = append(b.binds, f)
		}
	}
	return nil
}

// openChannels makes the control socket and the pipes of the standard
// streams and of the init's own log. The supervisor's ends go to the
// Sandbox, the init's to closers (closed once it has them).
func (b *starting) openChannels() error {
	s := b.s
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("control socket: %w", err)
	}
	s.ctl = pair[0]
	b.ctlChild = os.NewFile(uintptr(pair[1]), "ctl")
	b.closers = append(b.closers, b.ctlChild)
	pipe := func(child, mine **os.File, childReads bool) error {
		r, w, err := os.Pipe()
		if err != nil {
			return err
		}
		if childReads {
			*child, *mine = r, w
		} else {
			*child, *mine = w, r
		}
		b.closers = append(b.closers, *child)
		return nil
	}
	var logR *os.File
	if err := pipe(&b.stdinR, &s.stdinW, true); err != nil {
		return err
	}
	if err := pipe(&b.stdoutW, &s.stdoutR, false); err != nil {
		return err
	}
	if err := pipe(&b.stderrW, &s.stderrR, false); err != nil {
		return err
	}
	if err := pipe(&b.logW, &logR, false); err != nil {
		return err
	}
	s.initLog = newInitLog(logR)
	return nil
}

// hostIDs picks the host ids the sandbox uid and gid map to: the spec's,
// the caller's own, or for root a uid leased for the run. Root never
// creates the namespace itself (see hostid_linux.go): the uid it maps to
// does.
func (b *starting) hostIDs() error {
	b.uid, b.gid = b.spec.HostUID, b.spec.HostGID
	b.leased = os.Getuid() == 0
	if b.uid < 0 || b.gid < 0 {
		b.uid, b.gid = os.Getuid(), os.Getgid()
		if b.uid == 0 {
			id, lease, err := leaseHostUID()
			if err != nil {
				return &SetupError{Step: "userns: host uid", Layer: layers.UserNS, Err: err.Error()}
			}
			b.s.idLease = lease
			b.uid, b.gid = id, DefaultHostID
		}
	}
	if b.uid == 0 || b.gid == 0 {
		return &SetupError{Step: "userns: id mapping", Layer: layers.UserNS, Err: "refusing to map the sandbox to host root"}
	}
	return nil
}

// spawn re-executes this binary as the stage-2 init in new user, pid,
// mount, net (unless HostNetwork), ipc and uts namespaces.
func (b *starting) spawn() error {
	s := b.s
	s.cmd = &exec.Cmd{
		Path:       initPath(b.spec.Init),
		Args:       []string{stage2Arg0},
		Env:        []string{},
		Stdin:      b.stdinR,
		Stdout:     b.stdoutW,
		Stderr:     b.logW,
		ExtraFiles: append([]*os.File{b.ctlChild, b.stderrW}, b.binds...),
		SysProcAttr: &syscall.SysProcAttr{
			Cloneflags: unix.CLONE_NEWUSER | unix.CLONE_NEWPID | unix.CLONE_NEWNS |
				unix.CLONE_NEWNET | unix.CLONE_NEWIPC | unix.CLONE_NEWUTS,
			UidMappings:                []syscall.SysProcIDMap{{ContainerID: UID, HostID: b.uid, Size: 1}},
			GidMappings:                []syscall.SysProcIDMap{{ContainerID: GID, HostID: b.gid, Size: 1}},
			GidMappingsEnableSetgroups: false,
			// The init runs as the non-root uid too; the capabilities it
			// needs to build the root survive its execve as ambient
			// capabilities, and the interpreter's process clears them.
			Credential:  &syscall.Credential{Uid: UID, Gid: GID, NoSetGroups: true},
			AmbientCaps: []uintptr{unix.CAP_SYS_ADMIN, unix.CAP_NET_ADMIN, unix.CAP_SETPCAP},
			Pdeathsig:   syscall.SIGKILL,
			Setsid:      true,
		},
	}
	if b.spec.HostNetwork {
		s.cmd.SysProcAttr.Cloneflags &^= unix.CLONE_NEWNET
	}
	if raceEnabled {
		// The init's environment is otherwise empty (the interpreter's
		// is the task's own).
		s.cmd.Env = []string{"GORACE=atexit_sleep_ms=0"}
	}
	b.bornInCgroup()
	start := s.cmd.Start
	if b.leased {
		start = func() error { return startAs(s.cmd, b.uid, b.gid, s.procDone) }
	}
	if err := start(); err != nil {
		return &SetupError{Step: "namespaces: spawn stage-2 init", Layer: layers.UserNS, Err: err.Error()}
	}
	b.spawned = true
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.procDone)
	}()
	return nil
}

// bornInCgroup spawns the init straight into its cgroup (clone3
// CLONE_INTO_CGROUP: no move, no 6-14 ms wait) when the group is pure v2
// and the supervisor itself creates the namespace: the uid root creates it
// as may not write the cgroups' procs files, so that init is placed after
// it started.
func (b *starting) bornInCgroup() {
	g := b.spec.Cgroup
	if g == nil || g.NeedsPlace() || b.leased {
		return
	}
	fd, err := g.FD()
	if err != nil {
		return
	}
	b.closers = append(b.closers, os.NewFile(uintptr(fd), "cgroup"))
	b.s.cmd.SysProcAttr.UseCgroupFD = true
	b.s.cmd.SysProcAttr.CgroupFD = fd
	b.bornIn = true
}

// boundSysV sets the SysV shared memory limits of the sandbox's IPC
// namespace (spec.SysVShm; only root can).
func (b *starting) boundSysV() error {
	if b.spec.SysVShm == nil || os.Geteuid() != 0 || !hasSysAdmin() {
		return nil
	}
	if err := boundSysV(b.s.cmd.Process.Pid, *b.spec.SysVShm); err != nil {
		return &SetupError{Step: "ipc: SysV shared memory limits", Layer: layers.IPCNS, Err: err.Error()}
	}
	b.s.sysvBounded = true
	return nil
}

// placeFirst places the init in its cgroup before it gets its spec when
// it has copies to make (they are charged to the cgroup of whoever makes
// them, and must count in the sandbox's memory limit).
func (b *starting) placeFirst() error {
	g := b.spec.Cgroup
	if len(b.spec.Copies) == 0 || g == nil || b.bornIn {
		return nil
	}
	if err := g.Place(b.s.cmd.Process.Pid); err != nil {
		return &SetupError{Step: "cgroup: place the init", Layer: layers.Cgroup, Err: err.Error()}
	}
	b.placed = true
	return nil
}

func (b *starting) sendSpec() error {
	specJSON, err := json.Marshal(&b.spec)
	if err != nil {
		return err
	}
	if err := unix.Sendmsg(b.s.ctl, append([]byte{msgSpec}, specJSON...), nil, nil, 0); err != nil {
		return &SetupError{Step: "control: send the spec", Err: err.Error()}
	}
	return nil
}

// place moves the init into its cgroup while it builds its root (cgroup
// v1 on this kind of host, or an init not born in it).
func (b *starting) place() {
	g, s := b.spec.Cgroup, b.s
	if g == nil || b.bornIn || b.placed {
		s.placed <- nil
		return
	}
	go func() { s.placed <- g.Place(s.cmd.Process.Pid) }()
}

// awaitReady waits for the init's ready report and the placement: a
// sandbox is ready once it is in its cgroup too (the placement, 6-14 ms
// on v1, overlapped the init's setup, and a prepared sandbox must not pay
// for it at hand-over). Then the group's pids limit becomes the script's
// share plus the init's threads.
func (b *starting) awaitReady(ctx context.Context) error {
	s := b.s
	var m message
	select {
	case m = <-s.msgs:
	case <-ctx.Done():
		return ctx.Err()
	}
	switch {
	case m.err != nil:
		return &SetupError{Step: "stage-2 init", Err: "ended before it was ready: " + m.err.Error()}
	case m.kind == msgError:
		return decodeError(m.body)
	case m.kind != msgReady:
		return fmt.Errorf("stage-2 init: unexpected message %q", m.kind)
	}
	if m.fd >= 0 {
		s.proxy = os.NewFile(uintptr(m.fd), "egress-proxy")
	}
	if err := json.Unmarshal(m.body, &s.ready); err != nil {
		return err
	}
	if b.spec.Init != "" && s.ready.Build != BuildID() {
		return &SetupError{Step: "namespaces: init binary " + b.spec.Init, Layer: layers.UserNS,
			Err: "it is from another build than this supervisor (rebuild it with cordon, or remove it)"}
	}
	if b.spec.ProxyPort > 0 && s.proxy == nil {
		return &SetupError{Step: "network: proxy socket", Layer: layers.Network, Err: "the init sent no listening socket"}
	}
	if err := <-s.placed; err != nil {
		return &SetupError{Step: "cgroup: place the init", Layer: layers.Cgroup, Err: err.Error()}
	}
	s.placed <- nil
	if b.spec.Warm != nil {
		s.warm = true
		if err := s.warmUp(ctx); err != nil {
			return err
		}
	}
	s.times.Init, s.times.Ready = s.ready.InitNS, Monotonic()
	if g := b.spec.Cgroup; g != nil && b.spec.Pids > 0 {
		if err := g.SetPids(b.spec.Pids + int64(s.ready.Threads)); err != nil {
			return &SetupError{Step: "cgroup: pids limit", Layer: layers.Cgroup, Err: err.Error()}
		}
	}
	return nil
}

func decodeError(body []byte) error {
	var em errorMsg
	if err := json.Unmarshal(body, &em); err != nil {
		return &SetupError{Err: "undecodable error report"}
	}
	layer := em.Layer
	if layer == "" {
		layer = layerOfStep(em.Step)
	}
	return &SetupError{Step: em.Step, Layer: layer, Err: em.Error}
}

// stepLayers maps the prefix of an init step ("rootfs: bind /usr") to its
// layer.
var stepLayers = map[string]layers.Name{
	"rootfs": layers.Rootfs, "landlock": layers.Landlock, "seccomp": layers.Seccomp,
	"network": layers.NetNS, "cgroupns": layers.CgroupNS, "uts": layers.UTSNS,
	"capabilities": layers.Caps,
}

// layerOfStep maps an init step ("rootfs: bind /usr") to its layer, or "".
func layerOfStep(step string) layers.Name {
	p, _, ok := strings.Cut(step, ":")
	if !ok {
		return ""
	}
	return stepLayers[p]
}

// readLoop turns control messages into s.msgs; the seccomp listener goes
// to s.listener.
func (s *Sandbox) readLoop() {
	buf := make([]byte, 64<<10)
	oob := make([]byte, unix.CmsgSpace(4))
	for {
		n, oobn, _, _, err := unix.Recvmsg(s.ctl, buf, oob, unix.MSG_CMSG_CLOEXEC)
		if err == unix.EINTR {
			continue
		}
		if err == nil && n == 0 {
			err = io.EOF
		}
		if err != nil {
			s.msgs <- message{err: err}
			close(s.msgs)
			return
		}
		if buf[0] == msgListener {
			if fd, ok := oneFD(oob[:oobn]); ok {
				s.listener <- fd
			}
			continue
		}
		fd := -1
		if oobn > 0 {
			fd, _ = oneFD(oob[:oobn])
		}
		s.msgs <- message{kind: buf[0], body: append([]byte(nil), buf[1:n]...), fd: fd}
	}
}

func oneFD(oob []byte) (int, bool) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil || len(msgs) != 1 {
		return -1, false
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		for _, fd := range fds {
			unix.Close(fd)
		}
		return -1, false
	}
	return fds[0], true
}

// SysVBounded reports whether the SysV shared memory limits of the spec
// were applied (only root can: see [Spec.SysVShm]).
func (s *Sandbox) SysVBounded() bool { return s.sysvBounded }

// InitThreads is the init's task count when it was ready: what it takes
// of a pids limit shared with the script.
func (s *Sandbox) InitThreads() int { return s.ready.Threads }

// LandlockABI is the Landlock ABI of the ruleset (0: none).
func (s *Sandbox) LandlockABI() int { return s.ready.LandlockABI }

// Pid is the init's host pid.
func (s *Sandbox) Pid() int { return s.cmd.Process.Pid }

// Stdin, Stdout and Stderr are the interpreter's standard streams. The
// caller closes Stdin when it has nothing more to give, and drains Stdout
// and Stderr until EOF.
func (s *Sandbox) Stdin() *os.File  { return s.stdinW }
func (s *Sandbox) Stdout() *os.File { return s.stdoutR }
func (s *Sandbox) Stderr() *os.File { return s.stderrR }

// Listener delivers the seccomp listener fd once the interpreter's process
// installed its filter (the receiver owns and closes it).
func (s *Sandbox) Listener() <-chan int { return s.listener }

// Run hands the task over and returns once the interpreter runs (or its
// process failed before execve: a *SetupError naming the step and layer).
// It first waits for the cgroup placement.
func (s *Sandbox) Run(task Task, files []*os.File) error {
	if len(files) != len(task.Files) || len(files) > maxFiles {
		return fmt.Errorf("task: %d files for %d names (at most %d)", len(files), len(task.Files), maxFiles)
	}
	if err := <-s.placed; err != nil {
		return &SetupError{Step: "cgroup: place the init", Layer: layers.Cgroup, Err: err.Error()}
	}
	s.mark(func(t *Times) { t.Handover = Monotonic() })
	b, err := json.Marshal(&task)
	if err != nil {
		return err
	}
	var oob []byte
	if len(files) > 0 {
		fds := make([]int, len(files))
		for i, f := range files {
			fds[i] = int(f.Fd())
		}
		oob = unix.UnixRights(fds...)
	}
	if err := unix.Sendmsg(s.ctl, append([]byte{msgTask}, b...), oob, nil, 0); err != nil {
		return fmt.Errorf("sending the task: %w", err)
	}
	m := <-s.msgs
	switch {
	case m.err != nil:
		return &SetupError{Step: "stage-2 init", Err: "ended before the interpreter started: " + m.err.Error()}
	case m.kind == msgStarted:
		var sm startedMsg
		_ = json.Unmarshal(m.body, &sm)
		s.mu.Lock()
		if m.fd >= 0 {
			s.work = os.NewFile(uintptr(m.fd), WorkDir)
		}
		s.times.Exec = sm.ExecNS
		s.base = sm.Base
		s.mu.Unlock()
		return nil
	case m.kind == msgError:
		return decodeError(m.body)
	}
	return fmt.Errorf("stage-2 init: unexpected message %q", m.kind)
}

// Kill ends the whole sandbox: SIGKILL to the init takes every process of
// its pid namespace with it.
func (s *Sandbox) Kill() error {
	err := s.cmd.Process.Kill()
	if errors.Is(err, os.ErrProcessDone) {
		return nil
	}
	return err
}

// Done is closed when the init has ended and been reaped.
func (s *Sandbox) Done() <-chan struct{} { return s.procDone }

// Wait waits for the init's report and its end, then releases the control
// socket. Call it once, after Run.
func (s *Sandbox) Wait() Exit {
	var ex Exit
	for m := range s.msgs {
		if m.err != nil {
			break
		}
		if m.kind == msgExit {
			var em exitMsg
			if json.Unmarshal(m.body, &em) == nil {
				ex = Exit{Reported: true, WaitStatus: unix.WaitStatus(em.WaitStatus),
					UserUS: em.UserUS, SysUS: em.SysUS, MaxRSSKB: em.MaxRSSKB}
				s.mark(func(t *Times) { t.Exit = em.ExitNS })
			}
		}
	}
	<-s.procDone
	s.closeCtl()
	s.dropListener()
	s.dropProxy()
	s.releaseHostUID()
	if s.cmd.ProcessState != nil {
		ex.InitEnd = s.cmd.ProcessState.String()
	}
	ex.InitLog = s.initLog.text()
	return ex
}

// WorkDir is the sandbox's work dir (an O_DIRECTORY descriptor of its
// tmpfs), from a successful Run until Close; nil before. Read it only
// once Wait returned: every process of the sandbox is gone then, and the
// files stay as the script left them. Open below it without following
// symlinks (openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS): the script chose
// every name in it.
func (s *Sandbox) WorkDir() *os.File {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.work
}

// dropWork closes the work dir's descriptor.
func (s *Sandbox) dropWork() {
	s.mu.Lock()
	f := s.work
	s.work = nil
	s.mu.Unlock()
	if f != nil {
		f.Close()
	}
}

// ProxySocket takes the egress proxy's listening socket (127.0.0.1 on
// Spec.ProxyPort inside the sandbox); the caller serves and closes it
// (net.FileListener; this package stays free of net and its cgo). It is
// nil without Spec.ProxyPort, and after the first call.
func (s *Sandbox) ProxySocket() *os.File {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.proxy
	s.proxy = nil
	return f
}

// dropProxy closes a proxy socket nobody took.
func (s *Sandbox) dropProxy() {
	s.mu.Lock()
	f := s.proxy
	s.proxy = nil
	s.mu.Unlock()
	if f != nil {
		f.Close()
	}
}

// dropListener closes a seccomp listener nobody took.
func (s *Sandbox) dropListener() {
	select {
	case fd := <-s.listener:
		unix.Close(fd)
	default:
	}
}

// Close kills a sandbox that will not run (a prepared one given up), or
// releases one that ran: its processes and its cgroup are gone when Close
// returns.
func (s *Sandbox) Close() {
	s.Kill()
	s.stdinW.Close()
	for range s.msgs {
	}
	<-s.procDone
	s.closeCtl()
	s.dropListener()
	s.dropProxy()
	s.releaseHostUID()
	s.dropWork()
	s.stdoutR.Close()
	s.stderrR.Close()
	s.initLog.text()
	if s.group != nil {
		_ = s.group.Destroy()
	}
}

// closeCtl closes the control socket once. Wait and Close both release
// it, and a prepared sandbox sees both (Wait after its run, Close when it
// is released): the descriptor is a bare number, and closing it a second
// time would close whatever another sandbox started meanwhile was given
// under that number (its control socket, a bind, its init's stderr) —
// seen as runs hanging and failing at random under concurrency.
func (s *Sandbox) closeCtl() {
	s.ctlOnce.Do(func() { unix.Close(s.ctl) })
}

// releaseHostUID ends the lease of the host uid, once the init is gone.
func (s *Sandbox) releaseHostUID() {
	s.mu.Lock()
	f := s.idLease
	s.idLease = nil
	s.mu.Unlock()
	if f != nil {
		f.Close()
	}
}

// maxInitLog bounds what is kept of the init's own stderr.
const maxInitLog = 4 << 10

// initLog drains the init's stderr, keeping its first maxInitLog bytes.
type initLog struct {
	buf  []byte
	done chan struct{}
}

func newInitLog(r *os.File) *initLog {
	l := &initLog{done: make(chan struct{})}
	go func() {
		defer close(l.done)
		defer r.Close()
		b := make([]byte, 4096)
		for {
			n, err := r.Read(b)
			if keep := min(n, maxInitLog-len(l.buf)); keep > 0 {
				l.buf = append(l.buf, b[:keep]...)
			}
			if err != nil {
				return
			}
		}
	}()
	return l
}

// text waits for the init's stderr to close and returns what was kept.
func (l *initLog) text() string {
	<-l.done
	return string(l.buf)
}

// hasSysAdmin reports whether the supervisor holds CAP_SYS_ADMIN in the
// initial user namespace.
func hasSysAdmin() bool {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return false
	}
	return data[0].Effective&(1<<unix.CAP_SYS_ADMIN) != 0
}
