// This file is intentionally empty. fork_unsafe.go declares
// runtime_BeforeFork, runtime_AfterFork and runtime_AfterForkInChild
// without bodies and binds them to the runtime's own with go:linkname (the
// hooks syscall.forkExec uses around a raw fork). The compiler accepts a
// function declaration without a body only in a package that has an
// assembly file, so this one must stay, even empty.
