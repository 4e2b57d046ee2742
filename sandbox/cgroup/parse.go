package cgroup

// Parsers of the kernel's cgroup text files. They are fed by the kernel, but
// group names come from directory listings anyone with write access to the
// project parent could create, so every parser is fuzzed and never panics.

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// mount is one cgroup or cgroup2 line of /proc/self/mountinfo.
type mount struct {
	point       string   // mount point, unescaped
	root        string   // root of the mount inside the hierarchy
	v2          bool     // fstype cgroup2
	controllers []string // v1: controllers named in the super options
}

// parseMountinfo returns the cgroup mounts of a mountinfo text.
func parseMountinfo(text string) []mount {
	var out []mount
	for line := range strings.Lines(text) {
		f := strings.Fields(line)
		// id parent maj:min root point opts [optional...] - fstype source superopts
		sep := -1
		for i := 6; i < len(f); i++ {
			if f[i] == "-" {
				sep = i
				break
			}
		}
		if sep < 0 || len(f) < sep+3 {
			continue
		}
		fstype := f[sep+1]
		if fstype != "cgroup" && fstype != "cgroup2" {
			continue
		}
		m := mount{root: unescapeOctal(f[3]), point: unescapeOctal(f[4]), v2: fstype == "cgroup2"}
		if !m.v2 && len(f) > sep+3 {
			for _, o := range strings.Split(f[sep+3], ",") {
				switch {
				case o == "rw" || o == "ro" || strings.Contains(o, "="):
				case o == "noprefix" || o == "clone_children" || o == "xattr" ||
					o == "cpuset_v2_mode" || o == "favordynmods":
				default:
					m.controllers = append(m.controllers, o)
				}
			}
		}
		out = append(out, m)
	}
	return out
}

// unescapeOctal undoes mountinfo's \NNN escapes (space, tab, newline, \).
func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// procCgroup is one line of /proc/<pid>/cgroup.
type procCgroup struct {
	id          int
	controllers []string // empty for the v2 line "0::/path"
	path        string
}

// parseProcCgroup parses /proc/<pid>/cgroup.
func parseProcCgroup(text string) ([]procCgroup, error) {
	var out []procCgroup
	for line := range strings.Lines(text) {
		line = strings.TrimRight(line, "\n")
		if line == "" {
			continue
		}
		id, rest, ok := strings.Cut(line, ":")
		ctl, path, ok2 := strings.Cut(rest, ":")
		if !ok || !ok2 || !strings.HasPrefix(path, "/") {
			return nil, fmt.Errorf("malformed /proc/self/cgroup line %q", line)
		}
		n, err := strconv.Atoi(id)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("malformed /proc/self/cgroup line %q", line)
		}
		pc := procCgroup{id: n, path: path}
		if ctl != "" {
			pc.controllers = strings.Split(ctl, ",")
		}
		out = append(out, pc)
	}
	return out, nil
}

// parseKeyed parses a flat keyed file ("key value" per line, e.g.
// memory.events, pids.events, cpu.stat, memory.oom_control).
func parseKeyed(text string) map[string]uint64 {
	out := make(map[string]uint64)
	for line := range strings.Lines(text) {
		k, v, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok {
			continue
		}
		if n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64); err == nil {
			out[k] = n
		}
	}
	return out
}

// parsePids parses cgroup.procs: one decimal pid per line.
func parsePids(text string) ([]int, error) {
	var out []int
	for _, f := range strings.Fields(text) {
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("malformed pid %q in cgroup.procs", f)
		}
		out = append(out, n)
	}
	return out, nil
}

var errGroupName = errors.New("not a cordon group name")

// groupName is the directory name of a group: the creator's pid and start
// time (clock ticks since boot, field 22 of /proc/<pid>/stat) recorded so
// that CleanStale can tell a dead creator from a recycled pid, then the
// caller's name.
type groupName struct {
	pid   int
	start uint64
	name  string
}

func (g groupName) String() string { return fmt.Sprintf("%d-%d-%s", g.pid, g.start, g.name) }

func parseGroupName(s string) (groupName, error) {
	p, rest, ok := strings.Cut(s, "-")
	st, name, ok2 := strings.Cut(rest, "-")
	if !ok || !ok2 || validName(name) != nil {
		return groupName{}, errGroupName
	}
	pid, err := strconv.Atoi(p)
	if err != nil || pid <= 0 || strconv.Itoa(pid) != p {
		return groupName{}, errGroupName
	}
	start, err := strconv.ParseUint(st, 10, 64)
	if err != nil || strconv.FormatUint(start, 10) != st {
		return groupName{}, errGroupName
	}
	return groupName{pid: pid, start: start, name: name}, nil
}

// validName accepts 1–64 of [A-Za-z0-9_.-], not starting with '.'.
func validName(s string) error {
	if s == "" || len(s) > 64 || s[0] == '.' {
		return fmt.Errorf("invalid group name %q", s)
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return fmt.Errorf("invalid group name %q", s)
		}
	}
	return nil
}

// parseStatStart returns field 22 (starttime) of /proc/<pid>/stat. The comm
// field may hold spaces and parentheses, so fields are counted after the
// last ')'.
func parseStatStart(text string) (uint64, error) {
	i := strings.LastIndexByte(text, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc/<pid>/stat")
	}
	f := strings.Fields(text[i+1:])
	// f[0] is field 3 (state); starttime is field 22 → f[19].
	if len(f) < 20 {
		return 0, errors.New("malformed /proc/<pid>/stat")
	}
	return strconv.ParseUint(f[19], 10, 64)
}
