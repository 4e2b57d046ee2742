package cgroup

import "fmt"

// Limits for one group; a zero field sets no limit for that resource.
type Limits struct {
	// Memory is the most resident memory of the whole group in bytes.
	// Swap is never allowed on top of it (memsw / memory.swap.max=0).
	Memory int64
	// Pids is the most tasks (processes and threads) at once.
	Pids int64
	// CPU is the bandwidth in cores: 1 is one full core, 0.5 half of one.
	CPU float64
}

// cpuPeriodUS is the CFS period used for the CPU quota.
const cpuPeriodUS = 100000

func (l Limits) validate() error {
	switch {
	case l.Memory < 0:
		return fmt.Errorf("negative memory limit %d", l.Memory)
	case l.Memory > 0 && l.Memory < 1<<20:
		return fmt.Errorf("memory limit %d below 1 MiB", l.Memory)
	case l.Pids < 0:
		return fmt.Errorf("negative pids limit %d", l.Pids)
	case l.CPU < 0 || l.CPU > 4096:
		return fmt.Errorf("cpu limit %g cores out of range", l.CPU)
	case l.CPU > 0 && l.cpuQuotaUS() < 1000:
		return fmt.Errorf("cpu limit %g cores below the kernel's 1 ms quota", l.CPU)
	}
	return nil
}

func (l Limits) cpuQuotaUS() int64 { return int64(l.CPU * cpuPeriodUS) }

// controllers lists the controllers these limits need.
func (l Limits) controllers() []string {
	var c []string
	if l.Memory > 0 {
		c = append(c, Memory)
	}
	if l.Pids > 0 {
		c = append(c, Pids)
	}
	if l.CPU > 0 {
		c = append(c, CPU)
	}
	return c
}
