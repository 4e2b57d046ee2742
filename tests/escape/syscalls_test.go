package escape

import (
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/cordonsec/cordon"
)

// dangerous are the syscalls syscall.py calls through ctypes; each must be
// refused by the filter and reported as an event naming it.
var dangerous = []struct {
	name    string // syscall.py's name for the attempt
	syscall string // the kernel's name, which the event must carry
}{
	{"ptrace-traceme", "ptrace"},
	{"ptrace-attach", "ptrace"},
	{"mount", "mount"},
	{"umount", "umount"},
	{"pivot_root", "pivot_root"},
	{"unshare-user", "unshare"},
	{"unshare-mount", "unshare"},
	{"clone-newuser", "clone"},
	{"setns", "setns"},
	{"keyctl", "keyctl"},
	{"add_key", "add_key"},
	{"bpf", "bpf"},
	{"io_uring_setup", "io_uring"},
	{"perf_event_open", "perf_event_open"},
	{"userfaultfd", "userfaultfd"},
	{"process_vm_readv", "process_vm_readv"},
	{"open_by_handle_at", "open_by_handle_at"},
}

func TestDangerousSyscalls(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skipf("syscall.py carries x86_64 syscall numbers; this is %s", runtime.GOARCH)
	}
	for _, m := range bothModes() {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			needMode(t, m)
			for _, sc := range dangerous {
				t.Run(sc.name, func(t *testing.T) {
					t.Parallel()
					d := newRunDir(t, m)
					o := run(t, m, d, spec{script: "syscall.py", args: []string{sc.name}})
					want := []cordon.Status{cordon.StatusOK, cordon.StatusSecurityViolation}
					if !slices.Contains(want, o.res.Status) {
						t.Errorf("status %s, want one of %v\n%s", o.res.Status, want, o)
					}
					for _, line := range strings.Split(o.res.Stdout, "\n") {
						if strings.HasPrefix(line, "ESCAPED") || strings.HasPrefix(line, "REACHED-KERNEL") {
							t.Errorf("%s", line)
						}
					}
					if o.res.Status == cordon.StatusOK && !strings.Contains(o.res.Stdout, "REFUSED") {
						t.Errorf("the script ran to the end without the call being refused\n%s", o)
					}
					if _, ok := eventFor(o, sc.syscall); !ok {
						t.Errorf("the refused %s is not reported: no event names it\n%s", sc.syscall, o)
					}
				})
			}
		})
	}
}

// TestOptionalSyscalls: memfd_create, legacy AIO and SysV shared memory are
// refused (and reported) unless the policy's isolation.allow_syscalls
// names them.
func TestOptionalSyscalls(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skipf("optional_syscalls.py carries x86_64 syscall numbers; this is %s", runtime.GOARCH)
	}
	for _, m := range bothModes() {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			needMode(t, m)
			for _, allow := range []bool{false, true} {
				d := newRunDir(t, m)
				s := spec{script: "optional_syscalls.py"}
				if allow {
					s.syscalls = []string{"aio", "memfd", "sysvshm"}
				}
				o := run(t, m, d, s)
				if o.res.Status != cordon.StatusOK || !strings.Contains(o.res.Stdout, "DONE") {
					t.Fatalf("allow=%v: status %s\n%s", allow, o.res.Status, o)
				}
				for _, g := range []string{"memfd", "aio", "sysvshm"} {
					gotOK := strings.Contains(o.res.Stdout, g+": ok")
					if gotOK != allow {
						t.Errorf("allow=%v: %s gave %q", allow, g, o.res.Stdout)
					}
				}
				if _, ok := eventFor(o, "io_setup"); !allow && !ok {
					t.Errorf("the refused io_setup is not reported\n%s", o)
				}
			}
		})
	}
}
