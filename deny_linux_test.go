//go:build linux

package cordon

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cordonsec/cordon/policy"
	"github.com/cordonsec/cordon/sandbox/seccomp"
)

// TestSyscallGroupsAgree: the policy's syscall groups are the filter's.
func TestSyscallGroupsAgree(t *testing.T) {
	if !slices.Equal(policy.SyscallGroups, seccomp.OptionalGroups()) {
		t.Errorf("policy.SyscallGroups %v, seccomp.OptionalGroups %v", policy.SyscallGroups, seccomp.OptionalGroups())
	}
}

// TestTightenDenyHolds: a ceiling's deny, added to a request by
// policy.Tighten, hides the path even though the request allows the folder
// holding it (read-only and read-write).
func TestTightenDenyHolds(t *testing.T) {
	needPython(t)
	// Not below /tmp: the sandbox's own /tmp would shadow the binds.
	base, err := os.MkdirTemp("/var/tmp", "cordon-tighten-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	ro, rw := filepath.Join(base, "ro"), filepath.Join(base, "rw")
	for _, f := range []string{"ro/ok", "ro/secret", "rw/ok", "rw/secret"} {
		p := filepath.Join(base, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	ceiling := testPolicy()
	ceiling.Filesystem.ReadOnly = []string{ro}
	ceiling.Filesystem.ReadWrite = []string{rw}
	ceiling.Filesystem.Deny = []string{filepath.Join(ro, "secret"), filepath.Join(rw, "secret")}
	request := testPolicy()
	request.Filesystem.ReadOnly = []string{ro}
	request.Filesystem.ReadWrite = []string{rw}
	eff, err := policy.Tighten(ceiling, request)
	if err != nil {
		t.Fatal(err)
	}
	src := `
import sys
for p in sys.argv[1:]:
    try:
        print(p, "read", repr(open(p).read()))
    except OSError as e:
        print(p, "refused", type(e).__name__)
`
	res := run(t, src, func(p *policy.Policy) { *p = *eff }, Job{Args: []string{
		filepath.Join(ro, "ok"), filepath.Join(ro, "secret"), filepath.Join(rw, "ok"), filepath.Join(rw, "secret")}})
	if res.Status != StatusOK {
		t.Fatalf("status %s: %s %s", res.Status, res.Error, res.Stderr)
	}
	for _, line := range strings.Split(strings.TrimSpace(res.Stdout), "\n") {
		p, verdict, _ := strings.Cut(line, " ")
		wantRead := strings.HasSuffix(p, "/ok")
		if gotRead := strings.HasPrefix(verdict, "read"); gotRead != wantRead {
			t.Errorf("%s: %s (want read %v)", p, verdict, wantRead)
		}
	}
}
