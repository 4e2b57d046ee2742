//go:build linux

package sandbox

// Probing what this host can enforce for the calling user: each namespace
// type tried for real the way Start spawns (a user namespace plus that
// type), seccomp's filter mode and actions, the Landlock ABI, pidfd,
// no_new_privs, and the cgroups through package cgroup (the code a run
// uses). The plan of a policy's layers on it is the root package's.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/cordonsec/cordon/sandbox/cgroup"
)

// ProbeHost gathers what this host can enforce for the calling user. It
// starts /bin/true once per namespace type, and creates (and removes) one
// probe group per cgroup controller under the project parent cg names; it
// changes nothing else.
func ProbeHost(ctx context.Context, cg cgroup.Options) (*Host, error) {
	r := &Host{User: User{UID: os.Geteuid(), GID: os.Getegid(), Root: os.Geteuid() == 0}}
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return r, fmt.Errorf("uname: %w", err)
	}
	r.Kernel = Kernel{Release: unix.ByteSliceToString(u.Release[:]), Machine: unix.ByteSliceToString(u.Machine[:])}
	r.UserNS = probeUserNS(ctx)
	r.Seccomp = ProbeSeccomp()
	r.Landlock = ProbeLandlock()
	r.Cgroups = cgroup.Probe(cg)
	r.Pidfd = probePidfd()
	r.NoNewPrivs = ProbeNoNewPrivs()
	return r, nil
}

// readInt reads a one-number sysctl; ok is false when it does not exist.
func readInt(path string) (int, bool, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	v, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, false, fmt.Errorf("%s: %w", path, err)
	}
	return v, true, nil
}

// namespaceTypes are tried in this order, each with CLONE_NEWUSER.
var namespaceTypes = []struct {
	name string
	flag uintptr
}{
	{"user", 0},
	{"pid", syscall.CLONE_NEWPID},
	{"mount", syscall.CLONE_NEWNS},
	{"net", syscall.CLONE_NEWNET},
	{"ipc", syscall.CLONE_NEWIPC},
	{"uts", syscall.CLONE_NEWUTS},
	{"cgroup", syscall.CLONE_NEWCGROUP},
}

func probeUserNS(ctx context.Context) UserNS {
	u := UserNS{MaxUserNamespaces: -1}
	if v, ok, _ := readInt("/proc/sys/user/max_user_namespaces"); ok {
		u.MaxUserNamespaces = v
	}
	if v, ok, _ := readInt("/proc/sys/kernel/unprivileged_userns_clone"); ok {
		u.UnprivilegedClone = &v
	}
	if v, ok, _ := readInt("/proc/sys/kernel/apparmor_restrict_unprivileged_userns"); ok {
		u.AppArmorRestrict = &v
	}
	truePath, err := exec.LookPath("true")
	if _, serr := os.Stat("/bin/true"); serr == nil {
		truePath, err = "/bin/true", nil
	}
	// The tries are independent: run them side by side (forks are
	// serialised by the runtime, the waits overlap).
	u.Namespaces = make([]Namespace, len(namespaceTypes))
	var wg sync.WaitGroup
	for i, ns := range namespaceTypes {
		u.Namespaces[i] = Namespace{Name: ns.name}
		if err != nil {
			u.Namespaces[i].Error = "no true(1) to start: " + err.Error()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if rerr := tryNamespace(ctx, truePath, ns.flag); rerr != nil {
				u.Namespaces[i].Error = rerr.Error()
			} else {
				u.Namespaces[i].Available = true
			}
		}()
	}
	wg.Wait()
	return u
}

// tryNamespace starts truePath in a new user namespace (the caller's ids
// mapped to 0 inside, as the sandbox does) plus flag.
func tryNamespace(ctx context.Context, truePath string, flag uintptr) error {
	cmd := exec.CommandContext(ctx, truePath)
	cmd.Env = []string{}
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER | flag,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Geteuid(), Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getegid(), Size: 1}},
		Pdeathsig:   syscall.SIGKILL,
	}
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("true(1) in the namespace failed: %w", err)
		}
		return err // fork/exec ...: operation not permitted
	}
	return nil
}

// ProbeSeccomp reports seccomp filter support and the actions the kernel
// offers (a few system calls and one file: cheap enough for every run).
func ProbeSeccomp() Seccomp {
	var s Seccomp
	// A NULL filter program: the kernel copies it from user memory before
	// anything else, so EFAULT (or EACCES without no_new_privs) proves
	// filter mode exists while installing nothing. EINVAL means no
	// CONFIG_SECCOMP_FILTER.
	_, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, 0)
	switch errno {
	case unix.EFAULT, unix.EACCES:
		s.Available = true
	case unix.EINVAL, unix.ENOSYS:
		s.Error = "the kernel has no seccomp filter mode (CONFIG_SECCOMP_FILTER)"
	default:
		s.Error = fmt.Sprintf("seccomp(SET_MODE_FILTER, NULL): unexpected %v", errno)
	}
	s.Actions = []string{}
	b, err := os.ReadFile("/proc/sys/kernel/seccomp/actions_avail")
	if err != nil {
		if s.Error == "" {
			s.Error = "actions_avail: " + err.Error()
		}
		return s
	}
	s.Actions = strings.Fields(string(b))
	for _, a := range s.Actions {
		switch a {
		case "user_notif":
			s.UserNotif = true
		case "log":
			s.Log = true
		case "kill_process":
			s.KillProcess = true
		}
	}
	return s
}

// ProbeLandlock reports the Landlock ABI, or why there is none.
func ProbeLandlock() Landlock {
	abi, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
	switch errno {
	case 0:
		return Landlock{ABI: int(abi)}
	case unix.ENOSYS:
		return Landlock{Error: "the kernel has no Landlock (CONFIG_SECURITY_LANDLOCK, Linux 5.13+)"}
	case unix.EOPNOTSUPP:
		return Landlock{Error: "Landlock is built in but not enabled: add landlock to the lsm= boot parameter"}
	default:
		return Landlock{Error: "landlock_create_ruleset: " + errno.Error()}
	}
}

func probePidfd() Feature {
	fd, err := unix.PidfdOpen(os.Getpid(), 0)
	if err != nil {
		return Feature{Error: "pidfd_open: " + err.Error() + " (Linux 5.3+)"}
	}
	unix.Close(fd)
	return Feature{Available: true}
}

// ProbeNoNewPrivs reports whether PR_SET_NO_NEW_PRIVS exists.
func ProbeNoNewPrivs() Feature {
	if _, err := unix.PrctlRetInt(unix.PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0); err != nil {
		return Feature{Error: "prctl(PR_GET_NO_NEW_PRIVS): " + err.Error() + " (Linux 3.5+)"}
	}
	return Feature{Available: true}
}
