//go:build linux

package sandbox

// The supervisor's side of one run, from hand-over to the end: output
// capture with its caps, stdin, the wall clock, the CPU time of the whole
// tree (cgroup counters, or /proc samples without a cgroup), seccomp
// refusals handed to the caller, the tree kill, and the evidence of how the
// run ended. What the evidence means (a status) is the caller's to decide.

import (
	"context"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cordonsec/cordon/sandbox/cgroup"
	"github.com/cordonsec/cordon/sandbox/seccomp"
)

// Bounds are what the supervisor enforces on a run from outside.
type Bounds struct {
	// Wall is the wall clock from hand-over.
	Wall time.Duration
	// CPU is the CPU time of the whole tree (RLIMIT_CPU bounds each
	// process only).
	CPU time.Duration
	// Output is the bytes kept of each of stdout and stderr; past it the
	// run ends (KilledOutput).
	Output int64
}

// Streams are the run's standard streams on the caller's side.
type Streams struct {
	// Stdin feeds the interpreter's standard input (nil: empty).
	Stdin io.Reader
	// Stdout and Stderr receive a live copy of the output (up to the cap)
	// at their own pace; nil: none. The evidence keeps a copy either way.
	Stdout, Stderr io.Writer
}

// Observer is told what happens during a run.
type Observer interface {
	// Refused is called for each system call the seccomp filter refused
	// (from one goroutine, in order); true ends the run at once
	// (KilledRefusal).
	Refused(seccomp.Refusal) (end bool)
}

// Killed says why the supervisor ended a run itself.
type Killed int

const (
	NotKilled      Killed = iota
	KilledWall            // Bounds.Wall reached
	KilledOutput          // Bounds.Output exceeded on a stream
	KilledCanceled        // the caller's context ended
	KilledCPU             // Bounds.CPU reached by the tree
	KilledRefusal         // the Observer ended the run on a refusal
)

// Evidence is what is known of how a run ended: what the init reported,
// what the supervisor did, and what the kernel counted. Only the
// supervisor's kills, the cgroup's counters, the kernel's CPU time and
// the wait status are evidence a script cannot forge.
type Evidence struct {
	Exit   Exit
	Killed Killed
	// Cgroup is the run's cgroup counters (zero without a cgroup).
	Cgroup cgroup.Stats
	// Tree is what the /proc samples saw (without a cgroup only).
	Tree TreeSeen
	// Usage merges the sources: the cgroup's counters when there is
	// one, else the interpreter's rusage and the samples.
	Usage Usage
	// Stdout and Stderr are the output kept, up to Bounds.Output each.
	Stdout, Stderr Output
}

// Usage is what a run consumed.
type Usage struct {
	Wall            time.Duration
	CPUUser, CPUSys time.Duration
	PeakMemory      int64
}

// Output is what was kept of one stream.
type Output struct {
	Text string
	// Cut: the stream went past Bounds.Output.
	Cut bool
}

// TreeSeen is what the samples of a tree without cgroup saw: the most
// tasks at once, the last CPU time of the tree and the highest resident
// memory.
type TreeSeen struct {
	MaxTasks int
	CPUMS    int64
	PeakRSS  int64
}

// cpuPoll is how often the tree's CPU time is compared with the limit.
const cpuPoll = 100 * time.Millisecond

// run is one supervised run: the kill reason is set once, by whoever
// ends the run first.
type run struct {
	sb  *Sandbox
	obs Observer

	mu     sync.Mutex
	killed Killed
	tree   TreeSeen
}

func (r *run) kill(k Killed) {
	r.mu.Lock()
	if r.killed == NotKilled {
		r.killed = k
	}
	r.mu.Unlock()
	_ = r.sb.Kill()
}

// Supervise hands task and its files over, enforces b until every process
// of the sandbox is gone, and returns the evidence. An error means the
// interpreter never started (a *SetupError naming the step and layer; when
// ctx ended meanwhile, that is why); the evidence then holds what there
// is. Call it once, instead of Run and Wait.
func (s *Sandbox) Supervise(ctx context.Context, task Task, files []*os.File, b Bounds, streams Streams, obs Observer) (Evidence, error) {
	r := &run{sb: s, obs: obs}
	start := time.Now()
	stdout := newCapture(b.Output, streams.Stdout, func() { r.kill(KilledOutput) })
	stderr := newCapture(b.Output, streams.Stderr, func() { r.kill(KilledOutput) })
	var drains sync.WaitGroup
	drains.Add(2)
	go func() { defer drains.Done(); stdout.drain(s.Stdout()) }()
	go func() { defer drains.Done(); stderr.drain(s.Stderr()) }()
	// The live copies go out at the reader's pace; the run returns once
	// they are delivered (or its context ends).
	defer stdout.delivered(ctx)
	defer stderr.delivered(ctx)
	go feedStdin(s.Stdin(), streams.Stdin)

	// A cancellation while the init copies the inputs ends the sandbox
	// too.
	stopCtx := context.AfterFunc(ctx, func() { r.kill(KilledCanceled) })
	defer stopCtx()
	// A warm interpreter's usage before the hand-over is not the job's.
	cgBase := s.cgroupBaseline()
	if err := s.Run(task, files); err != nil {
		r.kill(KilledCanceled)
		ex := s.Wait()
		drains.Wait()
		return Evidence{Exit: ex, Killed: KilledCanceled}, err
	}

	stopServe := r.serveRefusals()
	wall := time.AfterFunc(b.Wall, func() { r.kill(KilledWall) })
	if s.group != nil {
		go r.watchCgroupCPU(b.CPU + cgBase.CPUUser + cgBase.CPUSystem)
	} else {
		bl := s.Baseline()
		go r.watchTree(b.CPU + time.Duration(bl.UserUS+bl.SysUS)*time.Microsecond)
	}
	ex := s.Wait()
	wall.Stop()
	stopCtx()
	drains.Wait()
	// Refusals already queued are reported before the listener closes.
	stopServe()

	ev := Evidence{Exit: ex}
	ev.Usage.Wall = time.Since(start)
	r.mu.Lock()
	ev.Killed, ev.Tree = r.killed, r.tree
	r.mu.Unlock()
	if s.group != nil {
		_ = s.group.Kill()
		ev.Cgroup, _ = s.group.Stats()
	}
	ev.Usage.merge(ex, ev.Cgroup, ev.Tree, s.group != nil)
	if s.warm {
		ev.Usage.subtract(s.Baseline(), cgBase, s.group != nil)
	}
	ev.Stdout = Output{Text: stdout.text(), Cut: stdout.cut()}
	ev.Stderr = Output{Text: stderr.text(), Cut: stderr.cut()}
	return ev, nil
}

// merge takes the best source of each figure: the cgroup's counters (dead
// processes included), else the interpreter's rusage, raised to the
// samples of the tree (all there is of a run the init could not report).
func (u *Usage) merge(ex Exit, st cgroup.Stats, tr TreeSeen, hasGroup bool) {
	u.CPUUser = time.Duration(ex.UserUS) * time.Microsecond
	u.CPUSys = time.Duration(ex.SysUS) * time.Microsecond
	u.PeakMemory = ex.MaxRSSKB * 1024
	if !hasGroup {
		tree := time.Duration(tr.CPUMS) * time.Millisecond
		if !ex.Reported || tree.Milliseconds() > u.CPUUser.Milliseconds()+u.CPUSys.Milliseconds() {
			u.CPUUser, u.CPUSys = tree, 0
		}
		u.PeakMemory = max(u.PeakMemory, tr.PeakRSS)
		return
	}
	if st.CPUUser+st.CPUSystem > 0 {
		u.CPUUser, u.CPUSys = st.CPUUser, st.CPUSystem
	}
	if st.MemoryPeak > 0 {
		u.PeakMemory = int64(st.MemoryPeak)
	}
}

// cgroupBaseline reads the run's cgroup before a warm hand-over (zero for
// a cold sandbox or without cgroups).
func (s *Sandbox) cgroupBaseline() cgroup.Stats {
	if !s.warm || s.group == nil {
		return cgroup.Stats{}
	}
	st, _ := s.group.Stats()
	return st
}

// subtract takes what a warm interpreter had used before its job arrived
// out of the run's usage: the cgroup's CPU and memory at hand-over, or
// without cgroups the interpreter's own (CPU in 10 ms clock ticks,
// resident memory).
func (u *Usage) subtract(b Baseline, cg cgroup.Stats, hasGroup bool) {
	if hasGroup {
		u.CPUUser = max(u.CPUUser-cg.CPUUser, 0)
		u.CPUSys = max(u.CPUSys-cg.CPUSystem, 0)
		u.PeakMemory = max(u.PeakMemory-int64(cg.MemoryNow), 0)
		return
	}
	u.CPUUser = max(u.CPUUser-time.Duration(b.UserUS)*time.Microsecond, 0)
	u.CPUSys = max(u.CPUSys-time.Duration(b.SysUS)*time.Microsecond, 0)
	u.PeakMemory = max(u.PeakMemory-b.RSSKB*1024, 0)
}

// Memory is what a ready sandbox holds: its cgroup's usage, or without
// cgroups its processes' resident memory.
func (s *Sandbox) Memory() int64 {
	if s.group != nil {
		if st, err := s.group.Stats(); err == nil && st.MemoryNow > 0 {
			return int64(st.MemoryNow)
		}
	}
	return s.SampleTree().RSSBytes
}

// CgroupPaths lists the directories of the sandbox's cgroup, one per
// hierarchy (none without a cgroup).
func (s *Sandbox) CgroupPaths() []string {
	if s.group == nil {
		return nil
	}
	return s.group.Paths()
}

// serveRefusals hands each seccomp refusal to the Observer, from the
// listener the interpreter's process passed before execve; the returned
// func stops it once the refusals already queued are told.
func (r *run) serveRefusals() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var served sync.WaitGroup
	served.Add(1)
	go func() {
		defer served.Done()
		select {
		case fd := <-r.sb.Listener():
			_ = seccomp.Serve(ctx, fd, func(ref seccomp.Refusal) {
				if r.obs != nil && r.obs.Refused(ref) {
					r.kill(KilledRefusal)
				}
			})
			unix.Close(fd)
		case <-r.sb.Done():
		case <-ctx.Done():
		}
	}()
	return func() { cancel(); served.Wait() }
}

// everyPoll calls f every cpuPoll until the sandbox ends or f says stop.
func (r *run) everyPoll(f func() (stop bool)) {
	t := time.NewTicker(cpuPoll)
	defer t.Stop()
	for {
		select {
		case <-r.sb.Done():
			return
		case <-t.C:
			if f() {
				return
			}
		}
	}
}

// watchCgroupCPU kills the sandbox when the CPU time of its whole tree
// (the cgroup's, dead processes included) reaches limit.
func (r *run) watchCgroupCPU(limit time.Duration) {
	r.everyPoll(func() bool {
		st, err := r.sb.group.Stats()
		if err == nil && st.CPUUser+st.CPUSystem >= limit {
			r.kill(KilledCPU)
			return true
		}
		return false
	})
}

// watchTree samples the tree every cpuPoll when there is no cgroup to
// count it (the degraded cgroup layer), and kills it when the tree's CPU
// time reaches limit.
func (r *run) watchTree(limit time.Duration) {
	r.everyPoll(func() bool {
		smp := r.sb.SampleTree()
		r.mu.Lock()
		r.tree.MaxTasks = max(r.tree.MaxTasks, smp.Tasks)
		r.tree.CPUMS = max(r.tree.CPUMS, smp.CPUMS)
		r.tree.PeakRSS = max(r.tree.PeakRSS, smp.RSSBytes)
		r.mu.Unlock()
		if time.Duration(smp.CPUMS)*time.Millisecond >= limit {
			r.kill(KilledCPU)
			return true
		}
		return false
	})
}

func feedStdin(w *os.File, r io.Reader) {
	if r != nil {
		_, _ = io.Copy(w, r)
	}
	w.Close()
}
