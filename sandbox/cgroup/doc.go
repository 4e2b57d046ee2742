// Package cgroup owns Cordon's control groups: it finds the cgroup v1 and v2
// hierarchies of this host per controller, creates the project's groups under
// the supervisor's own current group, writes memory (without swap), pids and
// CPU limits, places processes, reads usage and limit hits, kills a whole
// group and removes what it made — including groups left by a supervisor that
// died.
//
// Start with [Open], then [Manager.Create] one group per run:
//
//	m, err := cgroup.Open(cgroup.Options{})
//	if errors.Is(err, cgroup.ErrPermission) {
//		// unprivileged: the policy decides — refuse, or degrade to rlimits
//	}
//	removed, _ := m.CleanStale() // groups of dead supervisors
//	g, err := m.Create("run-42", cgroup.Limits{Memory: 256 << 20, Pids: 64, CPU: 1})
//	// v2 only: spawn straight into the group (no 6–14 ms move):
//	//	fd, err := g.FD(); attr.UseCgroupFD, attr.CgroupFD = true, fd
//	// otherwise (v1, hybrid): g.Place(pid) before the child proceeds
//	err = g.Place(cmd.Process.Pid)
//	...
//	st, _ := g.Stats() // st.OOMKills > 0 → memory-limit, st.PidsMaxHits > 0 → pids-limit
//	_ = g.Kill()       // every process of the group, whatever its parent
//	_ = g.Destroy()    // kills what is left and removes every directory
//
// [Probe] reports the hierarchies and, for memory, pids and cpu, whether
// this user can create a group with a limit — with Open, Create and
// Destroy, the code a run uses (`cordon doctor`).
//
// # Where groups live
//
// For each controller the manager reads /proc/self/cgroup and
// /proc/self/mountinfo and uses the supervisor's own current group G of the
// hierarchy that carries that controller. The project parent is G/cordon
// (Options.Parent renames it); groups are G/cordon/<creator pid>-<creator
// start time>-<name>. Nothing is ever written to G itself or above it, and no
// process is moved out of a group this package did not create. On a hybrid
// host (this one: memory, pids, cpu, cpuacct and freezer on v1, an empty v2
// at /sys/fs/cgroup/unified) each run gets a directory in every hierarchy it
// uses, plus one in the v2 hierarchy (no controllers needed) for cgroup.kill,
// cpu.stat and [Group.FD].
//
// Why not containerd/cgroups: its v2 manager writes +controller into
// cgroup.subtree_control of every ancestor from the mount point down, root
// group included. Cordon's needs (mkdir, a few files, cgroup.procs,
// cgroup.kill, stats) are small enough to own and keep inside G/cordon.
//
// # v2 delegation
//
// On v2 a controller reaches G/cordon only if G's cgroup.subtree_control
// already lists it; the manager never writes there (G holds the supervisor,
// and the no-internal-process rule forbids enabling controllers in it
// anyway). A controller listed in G's cgroup.controllers but not delegated is
// reported by [Manager.Controllers] with [ErrNotDelegated]. Run the
// supervisor in a delegated subtree (systemd Delegate=yes with
// DelegateSubgroup=, or point Options.Parent at a delegated group's child).
//
// # Limits
//
//	Limits field  v1 file(s)                                     v2 file(s)
//	Memory        memory.limit_in_bytes, memory.memsw.limit_in_bytes  memory.max, memory.swap.max=0
//	Pids          pids.max                                       pids.max
//	CPU (cores)   cpu.cfs_period_us, cpu.cfs_quota_us            cpu.max
//
// # Stats
//
//	Stats field   v1 source                          v2 source
//	MemoryPeak    memory.max_usage_in_bytes          memory.peak
//	MemoryNow     memory.usage_in_bytes              memory.current
//	OOMKills      memory.oom_control oom_kill        memory.events oom_kill
//	              (memory.failcnt stays 0 after an OOM kill on v1)
//	CPUUser/Sys   cpuacct.usage_user/usage_sys       cpu.stat user_usec/system_usec
//	PidsMaxHits   pids.events max                    pids.events max
//
// # Errors
//
// [ErrPermission] (the caller may degrade to rlimits if the policy allows),
// [ErrNotAvailable] (a limit for a controller this host does not offer),
// [ErrNotDelegated], [ErrNoV2]; every error is a *[Error] naming the
// controller and path.
//
// # Cost
//
// Moving a process into a group costs 6–14 ms when moves are spaced apart
// (an RCU grace period on cgroup_threadgroup_rwsem); see
// BenchmarkPlace and docs/layers.md for the figures and remedies.
package cgroup
