// Package sandbox owns Cordon's Linux isolation of one run: the supervisor
// side that spawns a stage-2 init in new namespaces, and the stage-2 init
// itself (cmd/cordon-init when Spec.Init names it, else a re-execution of
// the running binary; either way recognised by [init] in stage2_linux.go
// before main runs) that builds the root file system, hands
// the sandbox over when a task arrives, forks the interpreter with every
// per-process restriction applied right before execve, reaps and reports.
//
// Start with [Start], which returns a [Sandbox] fully set up, in its
// cgroup, and waiting for its task, then [Sandbox.Supervise], which hands
// the task over, enforces the [Bounds] the supervisor keeps from outside
// and returns the [Evidence] of how the run ended:
//
//	sb, err := sandbox.Start(ctx, spec)   // namespaces, root, cgroup placed
//	defer sb.Close()                      // every process and the cgroup gone
//	ev, err := sb.Supervise(ctx, task, files, bounds, streams, observer)
//	// ev.Exit (wait status, rusage), ev.Killed (wall, output, CPU,
//	// canceled, a refusal the Observer ended the run for), ev.Cgroup
//	// (OOM kills, pids.max hits), ev.Tree, ev.Usage, ev.Stdout, ev.Stderr
//
// What the evidence means — a status — is the caller's to decide (the
// root package's decide). [Sandbox.Run] and [Sandbox.Wait] are the steps
// Supervise is made of, for tests that drive the streams themselves:
// [Sandbox.Stdout] and [Sandbox.Stderr] carry the output, [Sandbox.Listener]
// delivers the seccomp listener whose refusals seccomp.Serve answers, and
// [Sandbox.Kill] ends the whole tree.
//
// [ProbeHost] (probe_linux.go) finds out what this host can enforce for
// the calling user — each namespace type tried as Start spawns, seccomp,
// Landlock, no_new_privs, pidfd, and the cgroups through [cgroup.Probe] —
// for the root package's plan of a policy's layers (`cordon doctor`, and
// every run from the cheap probes: [ProbeSeccomp], [ProbeLandlock],
// [ProbeNoNewPrivs]).
//
// # Layers and where they are applied
//
//   - supervisor: user, pid, mount, net, ipc and uts namespaces (clone
//     flags of the re-exec), uid/gid mapping (a non-root uid inside mapped
//     to an unprivileged host uid, never host root), placement in the
//     run's cgroup and its pids share (spawn_linux.go); wall clock, output
//     caps, CPU time of the tree (cgroup counters, or /proc samples without
//     a cgroup: tree_linux.go), seccomp refusals, tree kill, evidence
//     (supervise_linux.go, capture.go).
//   - stage-2 init (pid 1, Go): tmpfs root, read-only binds of exactly the
//     interpreter's paths (as root, open_tree clones the supervisor makes
//     and the init attaches, so the sandbox's host uid never traverses a
//     0700 folder; unprivileged, opened by the init),
//     work dir, /tmp, /dev/shm, /proc, minimal /dev, pivot_root, loopback
//     up, cgroup namespace after placement, Landlock ruleset and seccomp
//     program prepared.
//   - the interpreter's process, between a raw fork and execve, with raw
//     system calls only (fork_unsafe.go): setsid, death signal, rlimits,
//     ambient/bounding/effective capabilities cleared, no_new_privs,
//     landlock_restrict_self, seccomp. Python runs as a child of the init,
//     never as pid 1: the kernel shields a namespace's init from signals it
//     has no handler for, so SIGXCPU would never arrive.
//
// The stage-2 path imports no YAML, HTTP, tree-sitter or metrics code
// (deps_test.go): it starts on every run.
package sandbox
