package escape

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/cordonsec/cordon"
)

// TestProcLeaks: /proc inside tells neither the sandbox's set-up (the
// init's argv once held the whole spec: every bind path, the rlimits) nor
// what containers conventionally hide about the host: the kernel command
// line, the boot id, the host's task count, kcore, keys, timer and
// scheduler internals, interrupts, kernel symbols.
func TestProcLeaks(t *testing.T) {
	hostCmdline, _ := os.ReadFile("/proc/cmdline")
	hostBootID, _ := os.ReadFile("/proc/sys/kernel/random/boot_id")
	for _, m := range bothModes() {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			needMode(t, m)
			d := newRunDir(t, m)
			o := run(t, m, d, spec{script: "proc_leaks.py"})
			if o.res.Status != cordon.StatusOK || !strings.Contains(o.res.Stdout, "DONE") {
				t.Fatalf("the probe did not run: %s", o)
			}
			got := map[string]string{}
			for _, line := range strings.Split(o.res.Stdout, "\n") {
				if k, v, ok := strings.Cut(line, "\t"); ok {
					got[k] = v
				}
			}
			for _, leak := range []string{"read_only", "rlimits", "{", "/usr/lib"} {
				if strings.Contains(got["init-cmdline"], leak) || strings.Contains(got["init-environ"], leak) {
					t.Errorf("the init's argv or environment shows the spec (%q): %q %q", leak, got["init-cmdline"], got["init-environ"])
				}
			}
			if c := strings.TrimSpace(string(hostCmdline)); c != "" && strings.Contains(got["cmdline"], c) {
				t.Errorf("the host kernel's command line is visible: %q", got["cmdline"])
			}
			if b := strings.TrimSpace(string(hostBootID)); b != "" && got["boot_id"] == b {
				t.Errorf("the host's boot id is visible: %q", got["boot_id"])
			}
			if f := strings.Fields(got["loadavg"]); len(f) >= 4 {
				_, total, _ := strings.Cut(f[3], "/")
				n, _ := strconv.Atoi(total)
				if hostTasks() >= 100 && n >= 50 {
					t.Errorf("/proc/loadavg shows the host's task count: %q", got["loadavg"])
				}
			}
			for _, k := range []string{"kcore", "keys", "timer_list", "sched_debug", "interrupts", "kallsyms", "latency_stats", "key-users"} {
				if v := got[k]; v != "" && !strings.HasPrefix(v, "UNREADABLE") {
					t.Errorf("/proc/%s is readable: %q", k, clip(v, 80))
				}
			}
			if v := got["acpi"]; v != "[]" && !strings.HasPrefix(v, "UNREADABLE") {
				t.Errorf("/proc/acpi is listable: %s", v)
			}
		})
	}
}

// hostTasks is the host's task count from its /proc/loadavg.
func hostTasks() int {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 4 {
		return 0
	}
	_, total, _ := strings.Cut(f[3], "/")
	n, _ := strconv.Atoi(total)
	return n
}
