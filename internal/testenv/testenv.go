// Package testenv says what a test needs of the host — root, the
// interpreter the tests sandbox, a throwaway user, nobody — with one rule
// for CI: a need the host lacks skips the test with the reason, except in
// CI, where it fails. CI runs the suite as root on a machine that has all
// of them (.ci/run), so a skip there would hide a test that never ran.
package testenv

import (
	"fmt"
	"os"
	"testing"
)

// Python is the interpreter the tests run: Debian's, reachable by every
// user (a pyenv python first on PATH lives under a 0700 home).
const Python = "/usr/bin/python3"

// InCI reports whether the tests run in CI: the CI variable set, as CI
// systems do, to anything but "", "0" or "false".
func InCI() bool {
	switch os.Getenv("CI") {
	case "", "0", "false":
		return false
	}
	return true
}

// Missing stops t because the host lacks what it needs: a skip saying so,
// or in CI a failure.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if InCI() {
		t.Fatalf("%s (CI must have it)", msg)
	}
	t.Skip(msg)
}

// NeedRoot stops t unless it runs as root.
func NeedRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		Missing(t, "needs root (running as uid %d)", os.Geteuid())
	}
}

// NeedPython stops t unless [Python] is there and every user may run it;
// it returns its path.
func NeedPython(t testing.TB) string {
	t.Helper()
	fi, err := os.Stat(Python)
	switch {
	case err != nil:
		Missing(t, "no %s to sandbox: %v", Python, err)
	case fi.Mode()&0o001 == 0:
		Missing(t, "%s is not executable by every user", Python)
	}
	return Python
}
