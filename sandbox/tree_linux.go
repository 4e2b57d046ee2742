//go:build linux

package sandbox

// What the supervisor can see of a sandbox's process tree without cgroups
// (the degraded cgroup layer): sampled from the host's /proc, following
// the children links from the init. A process that forks and exits
// between two samples is missed; the figures are lower bounds.

import (
	"bytes"
	"os"
	"strconv"
	"strings"
)

// Tree is one sample of the processes below the init.
type Tree struct {
	// Tasks counts the threads of every process below the init (what
	// RLIMIT_NPROC counts, the init's own excepted).
	Tasks int
	// CPUMS is the CPU time of the tree in milliseconds: every process
	// below the init, the children each has reaped, and those the init
	// reaped.
	CPUMS int64
	// RSSBytes is the sum of the processes' resident memory.
	RSSBytes int64
}

// clockTick is USER_HZ, the unit of /proc/PID/stat's times (100 on every
// architecture Linux supports).
const clockTick = 100

// maxTreeProcs bounds the processes one sample visits.
const maxTreeProcs = 4096

// SampleTree samples the processes below the init. It returns a zero Tree
// once the init is gone.
func (s *Sandbox) SampleTree() Tree {
	var t Tree
	initPid := s.Pid()
	if st, ok := readStat(initPid); ok {
		t.CPUMS += st.childTicks * 1000 / clockTick
	}
	queue := children(initPid)
	for seen := 0; len(queue) > 0 && seen < maxTreeProcs; seen++ {
		pid := queue[0]
		queue = queue[1:]
		st, ok := readStat(pid)
		if !ok {
			continue
		}
		t.Tasks += st.threads
		t.CPUMS += (st.ownTicks + st.childTicks) * 1000 / clockTick
		t.RSSBytes += st.rssPages * int64(os.Getpagesize())
		queue = append(queue, children(pid)...)
	}
	return t
}

type procStat struct {
	ownTicks, childTicks int64 // utime+stime, cutime+cstime
	threads              int
	rssPages             int64
}

// readStat reads the fields of /proc/PID/stat the sample needs.
func readStat(pid int) (procStat, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, false
	}
	// The command name (field 2) may hold spaces and parentheses: the
	// fields that follow start after its last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, false
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state): field n is f[n-3].
	if len(f) < 22 {
		return procStat{}, false
	}
	n := func(field int) int64 {
		v, _ := strconv.ParseInt(f[field-3], 10, 64)
		return v
	}
	return procStat{
		ownTicks:   n(14) + n(15),
		childTicks: n(16) + n(17),
		threads:    int(n(20)),
		rssPages:   n(24),
	}, true
}

// children lists the children of every thread of pid.
func children(pid int) []int {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []int
	for _, t := range tasks {
		b, err := os.ReadFile(dir + "/" + t.Name() + "/children")
		if err != nil {
			continue
		}
		for _, c := range strings.Fields(string(b)) {
			if p, err := strconv.Atoi(c); err == nil {
				out = append(out, p)
			}
		}
	}
	return out
}
