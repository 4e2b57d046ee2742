package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/cordonsec/cordon/internal/testenv"
	"github.com/rogpeppe/go-internal/testscript"
)

// condition answers testscript's [name] conditions. They describe the host,
// so a script can say which stories need which kernel feature; in CI every
// one of them holds, and a test that skips there is a bug.
func condition(cond string) (bool, error) {
	if mod, ok := strings.CutPrefix(cond, "debpy:"); ok {
		// A Debian python3-* package (.ci/run installs the ones used).
		_, err := os.Stat("/usr/lib/python3/dist-packages/" + mod)
		return err == nil, nil
	}
	switch cond {
	case "root":
		return os.Geteuid() == 0, nil
	case "ci":
		return testenv.InCI(), nil
	case "userns":
		b, err := os.ReadFile("/proc/sys/user/max_user_namespaces")
		return err == nil && strings.TrimSpace(string(b)) != "0", nil
	case "landlock":
		_, err := os.Stat("/sys/kernel/security/landlock")
		if err == nil {
			return true, nil
		}
		b, _ := os.ReadFile("/sys/kernel/security/lsm")
		return strings.Contains(string(b), "landlock"), nil
	case "seccomp":
		_, err := os.Stat("/proc/sys/kernel/seccomp/actions_avail")
		return err == nil, nil
	case "cgroup1":
		_, err := os.Stat("/sys/fs/cgroup/memory/memory.limit_in_bytes")
		return err == nil, nil
	case "cgroup2":
		_, err := os.Stat("/sys/fs/cgroup/cgroup.controllers")
		if err != nil {
			_, err = os.Stat("/sys/fs/cgroup/unified/cgroup.controllers")
		}
		return err == nil, nil
	case "cpysuite":
		// Debian's libpython3.11-testsuite, for /usr/bin/python3.
		_, err := os.Stat("/usr/lib/python3.11/test/libregrtest")
		return err == nil, nil
	case "python3":
		_, err := exec.LookPath("python3")
		return err == nil, nil
	}
	return false, fmt.Errorf("unknown condition %q", cond)
}

// setup gives each script a HOME and state dir of its own so nothing reads
// or writes the real ones.
func setup(env *testscript.Env) error {
	home := env.WorkDir + "/home"
	// The CPython suite driver (run_cpython_suite.txt) lives in bench/.
	if wd, err := os.Getwd(); err == nil {
		env.Setenv("CPYSUITE", filepath.Join(wd, "..", "..", "bench", "scripts", "cpython_suite.py"))
	}
	env.Setenv("HOME", home)
	env.Setenv("XDG_STATE_HOME", home+"/.local/state")
	env.Setenv("XDG_CONFIG_HOME", home+"/.config")
	return os.MkdirAll(home, 0o755)
}
