package escape

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// proc is one host process as /proc shows it.
type proc struct {
	pid, ppid int
	uids      []int  // real, effective, saved, fs
	state     string // first letter of /proc/PID/status State: R, S, Z...
	nsDepth   int    // pid namespaces it is in, from the host's (NSpid entries)
	cmdline   string
	environ   string
}

func (p proc) String() string {
	return fmt.Sprintf("pid %d (ppid %d, uids %v): %q", p.pid, p.ppid, p.uids, p.cmdline)
}

// readProc reads what the checks need of /proc/<pid>; ok is false when it
// is gone.
func readProc(pid int) (proc, bool) {
	dir := "/proc/" + strconv.Itoa(pid)
	st, err := os.ReadFile(dir + "/status")
	if err != nil {
		return proc{}, false
	}
	p := proc{pid: pid}
	for _, line := range strings.Split(string(st), "\n") {
		k, v, _ := strings.Cut(line, ":")
		switch k {
		case "State":
			if f := strings.Fields(v); len(f) > 0 {
				p.state = f[0]
			}
		case "PPid":
			p.ppid, _ = strconv.Atoi(strings.TrimSpace(v))
		case "NSpid":
			p.nsDepth = len(strings.Fields(v))
		case "Uid":
			for _, f := range strings.Fields(v) {
				n, _ := strconv.Atoi(f)
				p.uids = append(p.uids, n)
			}
		}
	}
	cl, _ := os.ReadFile(dir + "/cmdline")
	p.cmdline = string(bytes.ReplaceAll(cl, []byte{0}, []byte{' '}))
	env, _ := os.ReadFile(dir + "/environ")
	p.environ = string(bytes.ReplaceAll(env, []byte{0}, []byte{' '}))
	return p, true
}

// hostProcs lists the host's processes.
func hostProcs() []proc {
	ents, _ := os.ReadDir("/proc")
	var ps []proc
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if p, ok := readProc(pid); ok {
			ps = append(ps, p)
		}
	}
	return ps
}

// procsWithToken lists host processes whose argv or environment carries
// token. In warm mode (suite.warm) a script's process shows the waiting
// interpreter's command line (the trampoline), not the script's: the
// trampolines below a process carrying token are listed too.
func procsWithToken(token string) []proc {
	var out []proc
	all := hostProcs()
	tokened := map[int]bool{}
	for _, p := range all {
		if p.pid == os.Getpid() {
			continue
		}
		if strings.Contains(p.cmdline, token) || strings.Contains(p.environ, token) {
			out = append(out, p)
			tokened[p.pid] = true
		}
	}
	if suite.warm {
		parent := map[int]int{}
		for _, p := range all {
			parent[p.pid] = p.ppid
		}
		for _, p := range all {
			if !strings.Contains(p.cmdline, warmMarker) || tokened[p.pid] {
				continue
			}
			for a, n := parent[p.pid], 0; a > 1 && n < 64; a, n = parent[a], n+1 {
				if tokened[a] {
					out = append(out, p)
					break
				}
			}
		}
	}
	return out
}

// warmMarker is in a warm interpreter's command line (its trampoline).
const warmMarker = "_cordon_job"

// orphans lists processes re-parented to this test binary (a child
// subreaper) that it did not start itself: leftovers of some run. Only a
// process in a pid namespace below the test's is one — every sandbox
// process is, from the init down — so the helpers a parallel test runs
// with exec.Command (a host python writing a database, useradd) are its
// children but never taken for leftovers and killed.
func orphans() []proc {
	own, _ := readProc(os.Getpid())
	children.Lock()
	defer children.Unlock()
	var out []proc
	for _, p := range hostProcs() {
		// A zombie is already dead: the init of a run whose supervisor was
		// SIGKILLed is re-parented here and waits only to be reaped.
		if p.ppid == os.Getpid() && !children.pids[p.pid] && p.state != "Z" && p.nsDepth > own.nsDepth {
			out = append(out, p)
		}
	}
	return out
}

// killLeftover kills a leftover process by pid (it descends from a process
// this test started) and reaps it when it is this binary's child.
func killLeftover(p proc) {
	_ = syscall.Kill(p.pid, syscall.SIGKILL)
	if p.ppid == os.Getpid() {
		var ws syscall.WaitStatus
		_, _ = syscall.Wait4(p.pid, &ws, 0, nil)
	}
}

// waitGone polls until no process carries token, up to d; it returns the
// ones still there.
func waitGone(token string, d time.Duration) []proc {
	deadline := time.Now().Add(d)
	for {
		left := procsWithToken(token)
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cgroupRoots are the host's cgroup hierarchies (v1 controllers and v2).
func cgroupRoots() []string {
	ents, _ := os.ReadDir("/sys/fs/cgroup")
	var roots []string
	for _, e := range ents {
		p := filepath.Join("/sys/fs/cgroup", e.Name())
		if fi, err := os.Lstat(p); err == nil && fi.IsDir() {
			roots = append(roots, p)
		}
	}
	if _, err := os.Stat("/sys/fs/cgroup/cgroup.controllers"); err == nil {
		roots = []string{"/sys/fs/cgroup"}
	}
	return roots
}

// cgroupDirs lists cgroup directories (up to a few levels deep) whose path
// contains one of subs (case-insensitive).
func cgroupDirs(subs ...string) map[string]bool {
	out := map[string]bool{}
	for _, root := range cgroupRoots() {
		walkDirs(root, 5, func(p string) {
			lp := strings.ToLower(p[len(root):])
			for _, s := range subs {
				if s != "" && strings.Contains(lp, strings.ToLower(s)) {
					out[p] = true
				}
			}
		})
	}
	return out
}

func walkDirs(dir string, depth int, fn func(string)) {
	if depth == 0 {
		return
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		p := filepath.Join(dir, e.Name())
		fn(p)
		walkDirs(p, depth-1, fn)
	}
}

// mountLines lists lines of the host's mount table mentioning one of subs.
func mountLines(subs ...string) []string {
	f, err := os.Open("/proc/1/mountinfo")
	if err != nil {
		f, err = os.Open("/proc/self/mountinfo")
		if err != nil {
			return nil
		}
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		for _, s := range subs {
			if s != "" && strings.Contains(sc.Text(), s) {
				out = append(out, sc.Text())
				break
			}
		}
	}
	return out
}

// checkNoLeftovers checks, after a run, that nothing of it stayed on the
// host: no process carrying its token, no orphan, no temp dir left in the
// invoker's TMPDIR, no mount of its dirs, no cgroup named after its id. A
// leftover process is killed after it is reported.
func checkNoLeftovers(t *testing.T, d *runDir, o *outcome) {
	t.Helper()
	for _, p := range waitGone(d.token, time.Second) {
		t.Errorf("leftover: a process of the run is still alive after cordon returned: %s", p)
		killLeftover(p)
	}
	time.Sleep(10 * time.Millisecond)
	for _, p := range orphans() {
		// With parallel tests this may be another test's leftover; it
		// is one in any case.
		t.Errorf("leftover: orphan process re-parented to the test (a sandbox outlived its supervisor): %s", p)
		killLeftover(p)
	}
	if ents, err := os.ReadDir(d.tmp); err == nil && len(ents) > 0 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("leftover: cordon left %v in the invoker's TMPDIR %s", names, d.tmp)
	}
	if ls := mountLines(d.root, d.token); len(ls) > 0 {
		t.Errorf("leftover: host mount table still shows the run's mounts:\n%s", strings.Join(ls, "\n"))
		for _, l := range ls {
			// Field 5 is the mount point; it names a dir of this test.
			if f := strings.Fields(l); len(f) > 4 && strings.Contains(f[4], d.token) {
				_ = syscall.Unmount(f[4], syscall.MNT_DETACH)
			}
		}
	}
	if o != nil && o.res.ID != "" {
		if cg := cgroupDirs(o.res.ID); len(cg) > 0 {
			t.Errorf("leftover: cgroup dirs of run %s remain: %v", o.res.ID, keys(cg))
		}
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func lstat(p string) (os.FileInfo, error) { return os.Lstat(p) }

// sscanf reads "FORKED n of m (Err)" lines of fork_bounded.py.
func sscanf(line string, forked, of *int, errName *string) (int, error) {
	return fmt.Sscanf(line, "FORKED %d of %d (%s", forked, of, errName)
}

// TestOrphansScoped: a helper a test starts itself (a host process in the
// test's own pid namespace) is not a leftover, so a parallel test's
// leftover check never kills it (one killed another test's SQLite
// helper mid-write).
func TestOrphansScoped(t *testing.T) {
	cmd := exec.Command("/bin/sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	for _, p := range orphans() {
		if p.pid == cmd.Process.Pid {
			t.Errorf("the test's own helper is taken for a leftover: %s", p)
		}
	}
}
