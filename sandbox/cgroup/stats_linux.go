//go:build linux

package cgroup

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Stats are the group's usage and limit hits so far. A field whose
// controller the group lacks stays zero.
type Stats struct {
	MemoryPeak  uint64        // bytes, highest usage seen
	MemoryNow   uint64        // bytes, usage now
	OOMKills    uint64        // processes the OOM killer killed in the group
	CPUUser     time.Duration // user CPU of every process, dead ones included
	CPUSystem   time.Duration // system CPU
	PidsMaxHits uint64        // forks/clones refused by pids.max
	PidsCurrent uint64        // tasks now
}

// Stats reads the group's counters.
func (g *Group) Stats() (Stats, error) {
	var s Stats
	var errs []error
	read := func(dir, file string) string {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			errs = append(errs, &Error{Op: "stats", Path: filepath.Join(dir, file), Err: err})
			return ""
		}
		return string(b)
	}
	num := func(dir, file string) uint64 {
		n, _ := strconv.ParseUint(strings.TrimSpace(read(dir, file)), 10, 64)
		return n
	}
	if d, v2 := g.dir(Memory); d != "" {
		if v2 {
			s.MemoryPeak = num(d, "memory.peak")
			s.MemoryNow = num(d, "memory.current")
			s.OOMKills = parseKeyed(read(d, "memory.events"))["oom_kill"]
		} else {
			s.MemoryPeak = num(d, "memory.max_usage_in_bytes")
			s.MemoryNow = num(d, "memory.usage_in_bytes")
			// memory.failcnt stays 0 after an OOM kill here; oom_kill counts.
			s.OOMKills = parseKeyed(read(d, "memory.oom_control"))["oom_kill"]
		}
	}
	if d, _ := g.dir(Pids); d != "" {
		s.PidsMaxHits = parseKeyed(read(d, "pids.events"))["max"]
		s.PidsCurrent = num(d, "pids.current")
	}
	if d, _ := g.dir(CPUAcct); d != "" {
		s.CPUUser = time.Duration(num(d, "cpuacct.usage_user"))
		s.CPUSystem = time.Duration(num(d, "cpuacct.usage_sys"))
	} else if d := g.v2dir(); d != "" {
		// cpu.stat's usage lines exist in every v2 group, controller or not.
		k := parseKeyed(read(d, "cpu.stat"))
		s.CPUUser = time.Duration(k["user_usec"]) * time.Microsecond
		s.CPUSystem = time.Duration(k["system_usec"]) * time.Microsecond
	}
	return s, errors.Join(errs...)
}
