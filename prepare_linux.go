//go:build linux

package cordon

// Building a sandbox for a policy before its job is known: the interpreter,
// the layers the policy requires (fail closed), the cgroup, the rlimits and
// the stage-2 init, placed in its cgroup while it builds its root.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/cordonsec/cordon/egress"
	"github.com/cordonsec/cordon/interp"
	"github.com/cordonsec/cordon/policy"
	"github.com/cordonsec/cordon/sandbox"
	"github.com/cordonsec/cordon/sandbox/cgroup"
)

// The stage-2 init's Go runtime threads share the run's cgroup and uid and
// must not eat into the script's task limit: the group is created with
// initPids of headroom, then set to exactly processes + the init's threads
// once the init reports them; RLIMIT_NPROC gets the init's count added by
// the init itself. The init's memory (a few MiB) is counted in the limit:
// the cgroup's memory limit is exactly the policy's, so the tree's peak
// never exceeds it.
const initPids = 16

// Prepared is a sandbox built for a policy, waiting for its job. Run it
// once, or Close it.
type Prepared struct {
	e      *Executor
	pol    *policy.Policy
	id     string
	rt     *interp.Runtime
	sb     *sandbox.Sandbox
	plan   Plan // every layer's state, decided before the sandbox started
	events []Event
	used   atomic.Bool
	closed sync.Once
	// prepNS is when preparing began (CLOCK_MONOTONIC); cold says the
	// sandbox was built for the job at hand (Executor.Run), so its spawn
	// and setup are phases of the run.
	prepNS int64
	cold   bool
}

type cgroupManager = *cgroup.Manager

// cgroups opens the cgroup manager once, cleaning groups of dead
// supervisors.
func (e *Executor) cgroups() (*cgroup.Manager, error) {
	e.cgOnce.Do(func() {
		e.cg, e.cgErr = cgroup.Open(cgroup.Options{Parent: e.opts.CgroupParent})
		if e.cgErr == nil {
			_, _ = e.cg.CleanStale()
		}
	})
	return e.cg, e.cgErr
}

func offLayers() map[policy.Layer]LayerState {
	m := make(map[policy.Layer]LayerState, len(policy.Layers))
	for _, l := range policy.Layers {
		m[l] = LayerOff
	}
	return m
}

// internalError is the result of a run that never started.
func internalError(id string, layers map[policy.Layer]LayerState, format string, a ...any) Result {
	return Result{
		ID: id, Status: StatusInternalError, ExitCode: -1,
		Error: fmt.Sprintf(format, a...), Layers: layers,
		Events: []Event{}, Findings: []Finding{},
	}
}

// layerFailure is the result of a run that never started because layer l
// is unavailable on this host (and the policy does not let it degrade) or
// failed to be set up: Result.FailedLayer names it, and the error text
// reads "layer L unavailable: ..." or "layer L failed: ...".
func layerFailure(id string, layers map[policy.Layer]LayerState, l policy.Layer, unavailable bool, cause error) Result {
	how := "failed"
	if unavailable {
		how = "unavailable"
	}
	r := internalError(id, layers, "layer %s %s: %v", l, how, cause)
	r.FailedLayer = l
	return r
}

// prepare builds the sandbox for pol, one named step after another: the
// runtime, the spec (binds, network, deny), the run's cgroup, the plan of
// every layer on the facts the run has (PlanFor, the same decision
// `cordon doctor` prints: fail closed unless a layer may degrade), the
// start of the stage-2 init. On failure the Result says why and the error
// is the cause (for SetupError.Unwrap).
func (e *Executor) prepare(ctx context.Context, pol *policy.Policy, w *warmStart) (*Prepared, Result, error) {
	prepNS := sandbox.Monotonic()
	id := newID()
	fail := func(err error) (*Prepared, Result, error) {
		if le := (*layerError)(nil); errors.As(err, &le) {
			return nil, layerFailure(id, offLayers(), le.layer, le.unavailable, le.err), le.err
		}
		return nil, internalError(id, offLayers(), "%v", err), err
	}
	rt, tools, interpErr, err := resolveRuntime(ctx, pol)
	if err != nil {
		return fail(err)
	}
	var spec sandbox.Spec
	var copyBytes int64
	var cgErr error
	if interpErr == nil {
		if spec, copyBytes, err = e.specFor(pol, rt, tools); err != nil {
			return fail(err)
		}
		spec.Cgroup, cgErr = e.newCgroup(id, pol)
	}
	plan := PlanFor(pol, e.runFacts(pol, rt, interpErr, spec.Cgroup, cgErr))
	if err := plan.Err(); err != nil {
		if spec.Cgroup != nil {
			_ = spec.Cgroup.Destroy()
		}
		return fail(refusal(plan, interpErr, cgErr))
	}
	events := planEvents(plan, spec)
	spec.Landlock = plan.State(policy.LayerLandlock) == LayerActive
	cgActive := plan.State(policy.LayerCgroup) == LayerActive
	if !cgActive {
		// Without the memory cgroup nothing counts tmpfs pages: the
		// sandbox's tmpfs is cut to fit limits.memory.
		ev, err := scratchWithinMemory(&spec, pol, copyBytes)
		if err != nil {
			return fail(&layerError{layer: policy.LayerCgroup, unavailable: true, err: err})
		}
		events = append(events, ev)
	}
	spec.Rlimits = rlimits(pol, cgActive)
	if spec.Cgroup != nil {
		spec.Pids = int64(pol.Limits.Processes)
	}
	if w != nil {
		if spec.Warm, err = w.spec(rt, pol); err != nil {
			if spec.Cgroup != nil {
				_ = spec.Cgroup.Destroy()
			}
			return fail(err)
		}
	}
	// From here the sandbox owns the cgroup (Start destroys it on failure).
	sb, err := sandbox.Start(ctx, spec)
	if err != nil {
		if se := (*sandbox.SetupError)(nil); errors.As(err, &se) && se.Layer != "" {
			return fail(&layerError{layer: se.Layer, err: err})
		}
		return fail(fmt.Errorf("sandbox: %w", err))
	}
	return &Prepared{e: e, pol: pol, id: id, rt: rt, sb: sb, plan: plan, events: events,
		prepNS: prepNS}, Result{}, nil
}

// refusal is the error of a plan with an unavailable layer: the first one
// (in report order), with the cause the run met when there was one.
func refusal(plan Plan, interpErr, cgErr error) error {
	var ue *UnavailableError
	errors.As(plan.Err(), &ue)
	l := ue.Layers[0]
	cause := errors.New(l.Reason)
	switch {
	case l.Layer == policy.LayerRootfs && interpErr != nil:
		cause = fmt.Errorf("interpreter: %w", interpErr)
	case l.Layer == policy.LayerCgroup && cgErr != nil:
		cause = &planError{reason: l.Reason, err: cgErr}
	}
	return &layerError{layer: l.Layer, unavailable: true, err: cause}
}

// planError is a plan's reason for an unavailable layer, wrapping the
// error the run met (the reason already says it).
type planError struct {
	reason string
	err    error
}

func (e *planError) Error() string { return e.reason }
func (e *planError) Unwrap() error { return e.err }

// kernelFacts are the probes a run can afford: a few system calls and a
// file read, once per Executor (the kernel does not change under it).
func (e *Executor) kernelFacts() sandbox.Host {
	e.kernelOnce.Do(func() {
		e.kernel = sandbox.Host{
			User:       sandbox.User{UID: os.Geteuid(), GID: os.Getegid(), Root: os.Geteuid() == 0},
			Seccomp:    sandbox.ProbeSeccomp(),
			Landlock:   sandbox.ProbeLandlock(),
			NoNewPrivs: sandbox.ProbeNoNewPrivs(),
		}
	})
	return e.kernel
}

// runFacts are what a run knows of its host when it plans its layers: the
// kernel's probes, its interpreter, and whether its own cgroup could be
// created (group, or cgErr). Namespaces are not probed: the spawn is the
// attempt, and fails closed naming the layer.
func (e *Executor) runFacts(pol *policy.Policy, rt *interp.Runtime, interpErr error, group *cgroup.Group, cgErr error) *HostReport {
	r := &HostReport{Host: e.kernelFacts(), Interpreter: InterpreterReport{Name: pol.Runtime.Program()}}
	if interpErr != nil {
		r.Interpreter.Error = interpErr.Error()
	} else {
		r.Interpreter.Path, r.Interpreter.Prefix, r.Interpreter.Version = rt.Path, rt.Prefix, rt.Version
	}
	for _, c := range []string{cgroup.Memory, cgroup.Pids} {
		ctl := cgroup.Controller{Name: c, Usable: group != nil}
		if cgErr != nil {
			ctl.Error = cgErr.Error()
		} else if group == nil {
			ctl.Error = "not tried: the run failed before its cgroup was created"
		}
		r.Cgroups.Controllers = append(r.Cgroups.Controllers, ctl)
	}
	if group != nil {
		r.Cgroups.SwapActive, r.Cgroups.SwapAccounting = true, group.SwapBounded()
	}
	return r
}

// planEvents tell what the plan took away: a layer degraded or off by
// the policy's leave, the memory limit without swap accounting, the
// network shared with the host.
func planEvents(plan Plan, spec sandbox.Spec) []Event {
	var events []Event
	if lp := plan.Layer(policy.LayerLandlock); lp.State == LayerOff && lp.Reason != "" {
		events = append(events, degraded(policy.LayerLandlock, lp.Reason))
	}
	if lp := plan.Layer(policy.LayerCgroup); lp.State == LayerDegraded {
		events = append(events, degraded(policy.LayerCgroup, lp.Reason))
	}
	if spec.Cgroup != nil && !spec.Cgroup.SwapBounded() {
		events = append(events, Event{Type: EventSwapUnbounded,
			Message: "the host swaps without swap accounting: the memory limit cannot include swap (swappiness 0 set)"})
	}
	if spec.HostNetwork {
		events = append(events, Event{Type: EventLayerOff, Message: "network: mode host shares the host's network (network.unsafe_host)",
			Detail: map[string]any{"layer": string(policy.LayerNetwork)}})
	}
	return events
}

// layerError is a layer a sandbox cannot have: unavailable on this host
// or for this policy, or failed while it was set up.
type layerError struct {
	layer       policy.Layer
	unavailable bool
	err         error
}

func (e *layerError) Error() string {
	how := "failed"
	if e.unavailable {
		how = "unavailable"
	}
	return fmt.Sprintf("layer %s %s: %v", e.layer, how, e.err)
}

func (e *layerError) Unwrap() error { return e.err }

// resolveRuntime finds the interpreter (interpErr: the plan's rootfs
// fact) and the runtime.tools programs (err: the rootfs layer fails).
func resolveRuntime(ctx context.Context, pol *policy.Policy) (_ *interp.Runtime, _ *interp.Tools, interpErr, err error) {
	rt, interpErr := interp.ResolveContext(ctx, pol.Runtime.Program())
	if interpErr != nil {
		return nil, nil, interpErr, nil
	}
	tools, err := interp.ResolveTools(pol.Runtime.Tools)
	if err != nil {
		return nil, nil, nil, &layerError{layer: policy.LayerRootfs, unavailable: true, err: fmt.Errorf("runtime.tools: %w", err)}
	}
	return rt, tools, nil, nil
}

// specFor is the sandbox's spec for pol: the binds (the runtime's, the
// tools', the policy's, with filesystem.deny applied), the read_only
// copies (copyBytes: what they take), the sizes, the syscall filter, the
// network mode and the host ids.
func (e *Executor) specFor(pol *policy.Policy, rt *interp.Runtime, tools *interp.Tools) (_ sandbox.Spec, copyBytes int64, _ error) {
	var toolPaths []string
	for _, p := range tools.Paths {
		if !slices.Contains(rt.ReadOnlyPaths, p) {
			toolPaths = append(toolPaths, p)
		}
	}
	spec := sandbox.Spec{
		ReadOnly:  append(append(append([]string(nil), rt.ReadOnlyPaths...), toolPaths...), pol.Filesystem.ReadOnly...),
		ReadWrite: append([]string(nil), pol.Filesystem.ReadWrite...),
		TmpSize:   int64(pol.Limits.Tmp),
		WorkSize:  int64(pol.Limits.Tmp) + int64(pol.Limits.FileSize),
		Seccomp:   true,
		Syscalls:  pol.Isolation.AllowSyscalls,
		HostUID:   -1, HostGID: -1,
		Init: e.opts.InitBinary,
	}
	unavailable := func(err error) (sandbox.Spec, int64, error) {
		return sandbox.Spec{}, 0, &layerError{layer: policy.LayerNetwork, unavailable: true, err: err}
	}
	switch pol.Network.Mode {
	case policy.NetworkNone:
	case policy.NetworkAllowlist:
		// The rules are checked now: a bad list fails before anything
		// is spawned.
		if _, err := egress.NewRules(pol.Network); err != nil {
			return unavailable(err)
		}
		spec.ProxyPort = egress.Port
	case policy.NetworkHost:
		if !pol.Network.UnsafeHost {
			return unavailable(errors.New("network mode host needs network.unsafe_host: true"))
		}
		spec.HostNetwork = true
		spec.BindTCP = pol.Network.AllowBind
	default:
		return unavailable(fmt.Errorf("unknown network mode %q", pol.Network.Mode))
	}
	if e.opts.HostUID != 0 || e.opts.HostGID != 0 {
		spec.HostUID, spec.HostGID = e.opts.HostUID, e.opts.HostGID
	}
	for _, l := range append(slices.Clone(rt.Symlinks), tools.Symlinks...) {
		spec.Symlinks = append(spec.Symlinks, sandbox.Symlink{Path: l.Path, Target: l.Target})
	}
	if err := checkDeny(pol, spec.ReadOnly[len(rt.ReadOnlyPaths):], spec.ReadWrite); err != nil {
		return sandbox.Spec{}, 0, err
	}
	spec.ReadOnly, spec.Masks = denyView(pol.Filesystem.Deny, spec.ReadOnly, spec.ReadWrite)
	if err := interpreterNotDenied(pol, rt); err != nil {
		return sandbox.Spec{}, 0, err
	}
	copyBytes, err := planCopies(&spec, pol)
	if err != nil {
		return sandbox.Spec{}, 0, &layerError{layer: policy.LayerRootfs, unavailable: true, err: err}
	}
	if slices.Contains(pol.Isolation.AllowSyscalls, "sysvshm") {
		spec.SysVShm = &sandbox.SysVShm{Bytes: int64(pol.Limits.Tmp), Segments: sysvSegments}
	}
	return spec, copyBytes, nil
}

// degraded is the event of a layer that runs weaker than asked.
func degraded(l policy.Layer, why string) Event {
	return Event{Type: EventLayerDegraded, Message: fmt.Sprintf("%s: %s", l, why),
		Detail: map[string]any{"layer": string(l)}}
}

// newCgroup creates the run's cgroup with the policy's memory limit and
// its pids limit plus initPids of headroom (the sandbox sets the exact
// share once the init reports its threads); an error is the plan's
// cgroup fact.
func (e *Executor) newCgroup(id string, pol *policy.Policy) (*cgroup.Group, error) {
	m, err := e.cgroups()
	if err != nil {
		return nil, err
	}
	for _, c := range []string{cgroup.Memory, cgroup.Pids} {
		if err := m.Check(c); err != nil {
			return nil, err
		}
	}
	return m.Create("run-"+id, cgroup.Limits{
		Memory: int64(pol.Limits.Memory),
		Pids:   int64(pol.Limits.Processes) + initPids,
	})
}

// checkDeny refuses policy paths inside a denied path (deny wins).
func checkDeny(pol *policy.Policy, ro, rw []string) error {
	for _, p := range append(append([]string(nil), ro...), rw...) {
		for _, d := range pol.Filesystem.Deny {
			if p == d || strings.HasPrefix(p, strings.TrimSuffix(d, "/")+"/") {
				return fmt.Errorf("filesystem: %s is inside the denied path %s", p, d)
			}
		}
	}
	return nil
}

// interpreterNotDenied refuses a policy whose filesystem.deny hides the
// interpreter itself (a deny of /root with a pyenv python under it):
// the runtime's binds inside a denied path are dropped, so the sandbox
// would build and the interpreter's execve fail.
func interpreterNotDenied(pol *policy.Policy, rt *interp.Runtime) error {
	for _, p := range []string{rt.Exec, rt.Path} {
		for _, d := range pol.Filesystem.Deny {
			if within(p, d) {
				return &layerError{layer: policy.LayerRootfs, unavailable: true,
					err: fmt.Errorf("the interpreter %s is inside the denied path %s (filesystem.deny); set runtime.interpreter to one outside it", p, d)}
			}
		}
	}
	return nil
}

// denyView applies filesystem.deny to the sandbox's binds, the runtime's
// own included (the policy's were checked by checkDeny): a read-only bind
// equal to or inside a denied path is dropped, and every denied path
// inside a remaining bind becomes a mask, hidden in the mounts and in
// Landlock.
func denyView(deny, ro, rw []string) (keptRO, masks []string) {
	for _, p := range ro {
		if !slices.ContainsFunc(deny, func(d string) bool { return within(p, d) }) {
			keptRO = append(keptRO, p)
		}
	}
	for _, d := range deny {
		inBind := func(b string) bool { return within(d, b) && d != b }
		if slices.ContainsFunc(keptRO, inBind) || slices.ContainsFunc(rw, inBind) {
			masks = append(masks, d)
		}
	}
	return keptRO, masks
}

// within reports whether the canonical path p is dir or lies below it.
func within(p, dir string) bool {
	return p == dir || dir == "/" || strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}

// memoryDegraded says what memory limiting is without the cgroup layer.
const memoryDegraded = "memory: degraded — limits.memory bounds each process's own writable memory (RLIMIT_DATA, plus 2 MiB of stack per allowed task), not the tree's sum; " +
	"the work dir, /tmp and /dev/shm share one tmpfs of %s and the read_only copies take %s, within limits.memory %s but beside the processes' memory; " +
	"%s; page cache and kernel memory are not counted; " +
	"running out is a MemoryError (exit-nonzero), never memory-limit, and peak_memory_bytes is sampled"

// sysvSegments bounds the SysV shared memory segments of a sandbox that
// may use them (isolation.allow_syscalls sysvshm): kernel.shmmni of its
// IPC namespace.
const sysvSegments = 256

// minScratch is the least the shared tmpfs of a degraded sandbox may have
// (the script and its input files live in it).
const minScratch = 1 << 20

// planCopies lists the policy's read_only paths that read_only_mode copy
// copies in (those left after the denies) and checks that they fit
// limits.tmp, the bound of the copies. It returns the bytes they take.
func planCopies(spec *sandbox.Spec, pol *policy.Policy) (int64, error) {
	if !pol.Filesystem.ReadOnlyMode.Copy() {
		return 0, nil
	}
	for _, p := range pol.Filesystem.ReadOnly {
		if slices.Contains(spec.ReadOnly, p) && !slices.Contains(spec.Copies, p) {
			spec.Copies = append(spec.Copies, p)
		}
	}
	n, err := sandbox.CopyBytes(spec.Copies, spec.Masks)
	if err != nil {
		return 0, fmt.Errorf("filesystem.read_only_mode copy: %w", err)
	}
	if n > int64(pol.Limits.Tmp) {
		return 0, fmt.Errorf("filesystem.read_only_mode copy: the read_only paths hold %s, more than limits.tmp %s, which bounds the copies (raise limits.tmp or use read_only_mode bind)",
			policy.Size(n), pol.Limits.Tmp)
	}
	spec.CopySize = int64(pol.Limits.Tmp)
	return n, nil
}

// scratchWithinMemory sizes the tmpfs of a sandbox without the memory
// cgroup, where nothing else counts tmpfs pages: the work dir, /tmp and
// /dev/shm become folders of one tmpfs of limits.tmp + limits.file_size,
// cut so that it, the read_only copies and the SysV shared memory bound
// (when allowed and root can set it) sum to at most limits.memory. A
// policy whose copies and SysV bound leave less than minScratch is
// refused. The memory-degraded event it returns says what was given.
func scratchWithinMemory(spec *sandbox.Spec, pol *policy.Policy, copyBytes int64) (Event, error) {
	l := pol.Limits
	var sysv int64
	sysvWord := "SysV shared memory is refused (isolation.allow_syscalls has no sysvshm)"
	if spec.SysVShm != nil {
		if os.Geteuid() == 0 {
			sysv = spec.SysVShm.Bytes
			sysvWord = fmt.Sprintf("SysV shared memory is bounded to %s (kernel.shmall/shmmax of the sandbox's IPC namespace), within limits.memory", policy.Size(sysv))
		} else {
			sysvWord = "SysV shared memory (isolation.allow_syscalls sysvshm) is not bounded: only host root may set the IPC namespace's kernel.shm* limits"
		}
	}
	room := int64(l.Memory) - copyBytes - sysv
	if room < minScratch {
		return Event{}, fmt.Errorf("without the cgroup layer the sandbox's tmpfs must fit limits.memory %s: the read_only copies (%s, filesystem.read_only_mode copy) and SysV shared memory (%s, limits.tmp with isolation.allow_syscalls sysvshm) leave %s for the work dir, /tmp and /dev/shm (at least %s; raise limits.memory or lower limits.tmp)",
			l.Memory, policy.Size(copyBytes), policy.Size(sysv), policy.Size(max(room, 0)), policy.Size(minScratch))
	}
	spec.ScratchSize = min(int64(l.Tmp)+int64(l.FileSize), room)
	msg := fmt.Sprintf(memoryDegraded, policy.Size(spec.ScratchSize), policy.Size(copyBytes), l.Memory, sysvWord)
	return Event{Type: EventMemoryDegraded, Message: msg, Detail: map[string]any{
		"layer":          string(policy.LayerCgroup),
		"tmpfs_bytes":    spec.ScratchSize,
		"copy_bytes":     copyBytes,
		"sysv_shm_bytes": sysv,
		"memory_bytes":   int64(l.Memory),
	}}, nil
}

// threadStack is the stack each thread reserves when the cgroup layer is
// degraded: RLIMIT_STACK, which glibc takes as the default thread stack
// size (and which bounds the main thread's stack too).
const threadStack = 2 << 20

// rlimits turns the policy's limits into the interpreter's rlimits. With
// the cgroup holding memory and tasks, RLIMIT_AS and RLIMIT_NPROC are
// looser ceilings (so the cgroup's precise counters decide the status).
// Without it they are the limit: memory is bounded by RLIMIT_DATA (the
// writable private memory a process maps: heap, anonymous mappings,
// thread stacks — not the address space merely reserved, such as the
// 64 MiB malloc arenas of Python's threads, which RLIMIT_AS counted and so
// let only six threads start), sized limits.memory plus a 2 MiB stack for
// each task limits.processes allows, so that many threads can start.
func rlimits(pol *policy.Policy, cgroupActive bool) []sandbox.Rlimit {
	l := pol.Limits
	cpu := uint64(math.Ceil(l.CPUTime.D().Seconds()))
	if cpu < 1 {
		cpu = 1
	}
	nproc := uint64(l.Processes)
	rl := []sandbox.Rlimit{
		{Resource: unix.RLIMIT_CPU, Cur: cpu, Max: cpu + 1},
		{Resource: unix.RLIMIT_FSIZE, Cur: uint64(l.FileSize), Max: uint64(l.FileSize)},
		{Resource: unix.RLIMIT_NOFILE, Cur: uint64(l.OpenFiles), Max: uint64(l.OpenFiles)},
		{Resource: unix.RLIMIT_CORE, Cur: 0, Max: 0},
		{Resource: unix.RLIMIT_MEMLOCK, Cur: 0, Max: 0},
	}
	if cgroupActive {
		// Python threads reserve 64 MiB arenas and 8 MiB stacks of
		// address space they never touch. The pids cgroup is the exact
		// limit (its counter is the evidence of a hit), RLIMIT_NPROC a
		// backstop.
		as := 4*uint64(l.Memory) + 1<<30
		return append(rl,
			sandbox.Rlimit{Resource: unix.RLIMIT_AS, Cur: as, Max: as},
			sandbox.Rlimit{Resource: unix.RLIMIT_NPROC, Cur: nproc + initPids, Max: nproc + initPids})
	}
	data := uint64(l.Memory) + nproc*threadStack
	return append(rl,
		sandbox.Rlimit{Resource: unix.RLIMIT_DATA, Cur: data, Max: data},
		sandbox.Rlimit{Resource: unix.RLIMIT_STACK, Cur: threadStack, Max: threadStack},
		sandbox.Rlimit{Resource: unix.RLIMIT_NPROC, Cur: nproc, Max: nproc})
}

// Close gives up a prepared sandbox that will not run: its processes and
// cgroup are gone when Close returns.
func (p *Prepared) Close() error {
	if p.used.Swap(true) {
		return nil
	}
	p.release()
	return nil
}

func (p *Prepared) release() {
	p.closed.Do(p.sb.Close)
}
