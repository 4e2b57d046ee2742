package escape

import (
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/cordonsec/cordon"
)

// TestStatusNotForgeable: a script cannot choose a limit status. A
// self-sent SIGXCPU is refused or "signaled" (cpu-limit needs RLIMIT_CPU's
// own signal and the CPU time measured at the limit); a file of exactly limits.file_size and a failing exit is
// "exit-nonzero"; sending itself SIGXFSZ — by kill, raise, a clone exit
// signal or a POSIX timer — is refused or ends as something other than
// file-size-limit (that status needs the kernel's own refusal).
func TestStatusNotForgeable(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skipf("forge_status.py carries x86_64 syscall numbers; this is %s", runtime.GOARCH)
	}
	const fsize = "1048576"
	cases := []struct {
		how  string
		want []cordon.Status
	}{
		{"sigxcpu", []cordon.Status{cordon.StatusExitNonzero, cordon.StatusSignaled}},
		{"exact-file", []cordon.Status{cordon.StatusExitNonzero}},
		{"sigxfsz", []cordon.Status{cordon.StatusExitNonzero, cordon.StatusSignaled}},
		{"timer", []cordon.Status{cordon.StatusExitNonzero, cordon.StatusSignaled}},
		{"own-fsize", []cordon.Status{cordon.StatusExitNonzero}},
	}
	for _, m := range bothModes() {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			needMode(t, m)
			for _, c := range cases {
				t.Run(c.how, func(t *testing.T) {
					t.Parallel()
					d := newRunDir(t, m)
					o := run(t, m, d, spec{script: "forge_status.py", args: []string{c.how, fsize},
						limits: map[string]string{"file_size": fsize, "cpu_time": "10s", "wall_time": "20s"}})
					if !slices.Contains(c.want, o.res.Status) {
						t.Errorf("forged %s: status %s, want one of %v\n%s", c.how, o.res.Status, c.want, o)
					}
				})
			}
		})
	}
}

// TestInitOutOfReach: the script cannot reach its init (pid 1, same uid)
// to lower its rlimits, its priority or its CPUs — which crashed it and
// turned the run into an internal-error an orchestrator would retry.
func TestInitOutOfReach(t *testing.T) {
	for _, m := range bothModes() {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			needMode(t, m)
			d := newRunDir(t, m)
			o := run(t, m, d, spec{script: "hit_init.py"})
			if o.res.Status != cordon.StatusOK || !strings.Contains(o.res.Stdout, "DONE") {
				t.Errorf("status %s, want ok with the script's end reached\n%s", o.res.Status, o)
			}
			for _, line := range strings.Split(o.res.Stdout, "\n") {
				if strings.Contains(line, "ESCAPED") {
					t.Errorf("%s", line)
				}
			}
			if _, ok := eventFor(o, "prlimit64"); !ok {
				t.Errorf("the refused prlimit64 on the init is not reported\n%s", o)
			}
		})
	}
}
