package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// User is an unprivileged account a test runs something as.
type User struct {
	Name     string
	UID, GID int
}

// Credential is the credential to run a process as u.
func (u User) Credential() *syscall.Credential {
	return &syscall.Credential{Uid: uint32(u.UID), Gid: uint32(u.GID), Groups: []uint32{}}
}

// EnsureUser returns the throwaway system user name, creating it when
// absent (useradd --system, no home, no login shell). It is left in place:
// another test binary may be using it, and it owns nothing. Each package
// names its own, so their runs never share a uid's kernel limits. Several
// test binaries may create users at once: useradd failing on its lock
// files is retried.
func EnsureUser(name string) (User, error) {
	if os.Geteuid() != 0 {
		return User{}, fmt.Errorf("creating the throwaway user %s needs root (running as uid %d)", name, os.Geteuid())
	}
	u, err := user.Lookup(name)
	for try := 0; err != nil && try < 10; try++ {
		out, aerr := exec.Command("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name).CombinedOutput()
		if u, err = user.Lookup(name); err == nil {
			break // created, here or by a concurrent test binary
		}
		err = fmt.Errorf("useradd %s: %v: %s", name, aerr, out)
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return User{}, err
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return User{}, fmt.Errorf("uid of %s: %w", name, err)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return User{}, fmt.Errorf("gid of %s: %w", name, err)
	}
	if uid == 0 || gid == 0 {
		return User{}, fmt.Errorf("%s has uid %d gid %d: not a throwaway user", name, uid, gid)
	}
	return User{Name: name, UID: uid, GID: gid}, nil
}

// NeedUser stops t unless it runs as root and the throwaway user name
// exists or can be created; it returns the user.
func NeedUser(t testing.TB, name string) User {
	t.Helper()
	NeedRoot(t)
	u, err := EnsureUser(name)
	if err != nil {
		t.Fatalf("throwaway user: %v", err)
	}
	return u
}

// Nobody is the credential of the user nobody, or nil when the test
// already runs unprivileged (nothing to switch to).
func Nobody(t testing.TB) *syscall.Credential {
	t.Helper()
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		Missing(t, "no user nobody: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
}
