//go:build linux

package cgroup

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cordonsec/cordon/internal/testenv"
)

// childEnv selects a helper mode when this test binary is re-executed.
const childEnv = "CORDON_CGROUP_TEST_CHILD"

// testParent keeps the tests' groups apart from real runs.
const testParent = "cordon-test-cgroup"

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "":
		code := m.Run()
		removeTestParents()
		os.Exit(code)
	case "alloc":
		// Wait until placed, then touch 512 MiB page by page.
		_, _ = io.ReadFull(os.Stdin, make([]byte, 1))
		var keep [][]byte
		for range 512 {
			b := make([]byte, 1<<20)
			for i := 0; i < len(b); i += 4096 {
				b[i] = 1
			}
			keep = append(keep, b)
		}
		fmt.Println("survived", len(keep))
		os.Exit(0)
	case "unpriv":
		_, err := Open(Options{Parent: os.Getenv("PARENT")})
		if err == nil {
			var m *Manager
			m, err = Open(Options{Parent: testParent})
			if err == nil {
				_, err = m.Create("unpriv", Limits{Pids: 8})
			}
		}
		fmt.Println(errors.Is(err, ErrPermission), err)
		os.Exit(0)
	}
	os.Exit(3)
}

// removeTestParents removes the tests' project parent in every hierarchy
// once empty (another test binary may still use it: then it stays).
func removeTestParents() {
	if os.Geteuid() != 0 {
		return
	}
	m, err := Open(Options{Parent: testParent})
	if err != nil {
		return
	}
	for _, h := range m.hiers {
		_ = syscall.Rmdir(h.parent)
	}
}

// needRoot: creating cgroups needs root.
var needRoot = testenv.NeedRoot

func open(t *testing.T) *Manager {
	t.Helper()
	needRoot(t)
	m, err := Open(Options{Parent: testParent})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return m
}

func needCtl(t *testing.T, m *Manager, ctls ...string) {
	t.Helper()
	for _, c := range ctls {
		if err := m.Check(c); err != nil {
			t.Skipf("controller %s really absent on this host: %v", c, err)
		}
	}
}

func create(t *testing.T, m *Manager, name string, l Limits) *Group {
	t.Helper()
	g, err := m.Create(name, l)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	t.Cleanup(func() {
		if err := g.Destroy(); err != nil {
			t.Errorf("Destroy: %v", err)
		}
	})
	return g
}

func readFile(t *testing.T, dir, file string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// gated starts cmd with a stdin pipe the caller writes to once the process
// is placed; the process group is killed at cleanup.
func gated(t *testing.T, cmd *exec.Cmd) io.WriteCloser {
	t.Helper()
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	})
	return in
}

func TestControllers(t *testing.T) {
	m := open(t)
	ctl := m.Controllers()
	t.Logf("controllers: %v, v2 dir: %v", ctl, m.HasV2())
	for c, v := range ctl {
		if v != V1 && v != V2 {
			t.Errorf("controller %s has version %v", c, v)
		}
		if m.Check(c) != nil {
			t.Errorf("Check(%s) = %v for an available controller", c, m.Check(c))
		}
	}
	if err := m.Check("no-such-controller"); !errors.Is(err, ErrNotAvailable) {
		t.Errorf("Check(unknown) = %v, want ErrNotAvailable", err)
	}
}

func TestCreateRejects(t *testing.T) {
	m := &Manager{byCtl: map[string]*hier{}, notes: map[string]error{Memory: ErrNotDelegated}}
	tests := []struct {
		name string
		l    Limits
		want error
	}{
		{"a/b", Limits{}, nil},
		{"", Limits{}, nil},
		{"..", Limits{}, nil},
		{"ok", Limits{Memory: -1}, nil},
		{"ok", Limits{Memory: 10}, nil},
		{"ok", Limits{CPU: 0.001}, nil},
		{"ok", Limits{Pids: 5}, ErrNotAvailable},
		{"ok", Limits{Memory: 1 << 30}, ErrNotDelegated},
	}
	for _, tt := range tests {
		_, err := m.Create(tt.name, tt.l)
		var ce *Error
		if !errors.As(err, &ce) {
			t.Errorf("Create(%q, %+v) = %v, want an *Error", tt.name, tt.l, err)
		}
		if tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("Create(%q, %+v) = %v, want %v", tt.name, tt.l, err, tt.want)
		}
	}
}

func TestLimitsReadBack(t *testing.T) {
	m := open(t)
	needCtl(t, m, Memory, Pids, CPU)
	g := create(t, m, "limits", Limits{Memory: 64 << 20, Pids: 16, CPU: 0.5})
	md, v2 := g.dir(Memory)
	if v2 {
		if got := readFile(t, md, "memory.max"); got != "67108864" {
			t.Errorf("memory.max = %s", got)
		}
		if got := readFile(t, md, "memory.swap.max"); got != "0" {
			t.Errorf("memory.swap.max = %s", got)
		}
	} else {
		if got := readFile(t, md, "memory.limit_in_bytes"); got != "67108864" {
			t.Errorf("memory.limit_in_bytes = %s", got)
		}
		if _, err := os.Stat(filepath.Join(md, "memory.memsw.limit_in_bytes")); err == nil {
			if got := readFile(t, md, "memory.memsw.limit_in_bytes"); got != "67108864" {
				t.Errorf("memory.memsw.limit_in_bytes = %s", got)
			}
		}
	}
	if !g.SwapBounded() {
		t.Errorf("memory limit does not bound swap on this host")
	}
	pd, _ := g.dir(Pids)
	if got := readFile(t, pd, "pids.max"); got != "16" {
		t.Errorf("pids.max = %s", got)
	}
	if err := g.SetPids(21); err != nil {
		t.Errorf("SetPids: %v", err)
	} else if got := readFile(t, pd, "pids.max"); got != "21" {
		t.Errorf("pids.max after SetPids(21) = %s", got)
	}
	if err := g.SetPids(0); err == nil {
		t.Error("SetPids(0) accepted")
	}
	cd, v2 := g.dir(CPU)
	if v2 {
		if got := readFile(t, cd, "cpu.max"); got != "50000 100000" {
			t.Errorf("cpu.max = %s", got)
		}
	} else if q, p := readFile(t, cd, "cpu.cfs_quota_us"), readFile(t, cd, "cpu.cfs_period_us"); q != "50000" || p != "100000" {
		t.Errorf("cfs quota/period = %s/%s", q, p)
	}
	for _, p := range g.Paths() {
		if !strings.Contains(p, "/"+testParent+"/") || !strings.HasSuffix(p, "-limits") {
			t.Errorf("group dir %s not under the project parent", p)
		}
	}
	if _, err := m.Create("limits", Limits{}); err == nil {
		t.Error("second Create with the same name succeeded")
	}
}

func TestOOMKill(t *testing.T) {
	m := open(t)
	needCtl(t, m, Memory)
	g := create(t, m, "oom", Limits{Memory: 32 << 20})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=alloc")
	var out strings.Builder
	cmd.Stdout = &out
	in := gated(t, cmd)
	if err := g.Place(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	_, _ = in.Write([]byte{1})
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("allocating child: %v, output %q; want SIGKILL by the OOM killer", err, out.String())
	}
	st, err := g.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.OOMKills == 0 {
		t.Errorf("Stats.OOMKills = 0 after an OOM kill: %+v", st)
	}
	if st.MemoryPeak < 16<<20 || st.MemoryPeak > 40<<20 {
		t.Errorf("Stats.MemoryPeak = %d, want close to the 32 MiB limit", st.MemoryPeak)
	}
	if st.CPUUser+st.CPUSystem == 0 {
		t.Errorf("no CPU accounted: %+v", st)
	}
	t.Logf("stats %+v", st)
}

func TestPidsLimit(t *testing.T) {
	m := open(t)
	needCtl(t, m, Pids)
	g := create(t, m, "pids", Limits{Pids: 6})
	// A bounded loop of 30 forks; dash gives up at the first refused fork.
	cmd := exec.Command("/bin/sh", "-c", `read x; i=0; while [ $i -lt 30 ]; do sleep 30 & i=$((i+1)); done; wait`)
	in := gated(t, cmd)
	if err := g.Place(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	_, _ = in.Write([]byte("\n"))
	_ = cmd.Wait()
	st, err := g.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.PidsMaxHits == 0 {
		t.Errorf("pids.events max = 0 after forks past the limit: %+v", st)
	}
	if st.PidsCurrent > 6 {
		t.Errorf("pids.current = %d above pids.max 6", st.PidsCurrent)
	}
	procs, _ := g.Procs()
	if len(procs) == 0 || len(procs) > 6 {
		t.Errorf("group holds %d processes, want 1..6", len(procs))
	}
	if err := g.Kill(); err != nil {
		t.Fatal(err)
	}
}

func TestKillTree(t *testing.T) {
	m := open(t)
	modes := []struct {
		name string
		keep func(groupDir) bool // the hierarchies Kill may use
		need string
	}{
		{"v2 cgroup.kill", func(groupDir) bool { return true }, "v2"},
		{"v1 freezer", func(d groupDir) bool { return !d.h.v2 }, Freezer},
		{"sweep", func(d groupDir) bool { return !d.h.v2 && !slices.Contains(d.h.controllers, Freezer) }, ""},
	}
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			switch {
			case mode.need == "v2" && !m.HasV2():
				t.Skip("no cgroup v2 hierarchy mounted")
			case mode.need == Freezer && m.Check(Freezer) != nil:
				t.Skip("no v1 freezer on this host")
			}
			full := create(t, m, "kill", Limits{})
			g := &Group{name: full.name, m: m}
			for _, d := range full.dirs {
				if mode.keep(d) {
					g.dirs = append(g.dirs, d)
				}
			}
			if len(g.dirs) == 0 {
				t.Skip("no hierarchy for this mode")
			}
			// A tree: sh → (sh → sleep, sleep), sleep, sleep; children
			// leave the session so that only the cgroup finds all of them.
			cmd := exec.Command("/bin/sh", "-c", `read x; setsid sh -c 'sleep 60 & sleep 60' & setsid sleep 60 & sleep 60`)
			in := gated(t, cmd)
			if err := full.Place(cmd.Process.Pid); err != nil {
				t.Fatal(err)
			}
			_, _ = in.Write([]byte("\n"))
			var pids []int
			for deadline := time.Now().Add(5 * time.Second); len(pids) < 5; time.Sleep(5 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("tree did not start: %v", pids)
				}
				pids, _ = g.Procs()
			}
			if err := g.Kill(); err != nil {
				t.Fatal(err)
			}
			if left, _ := full.Procs(); len(left) != 0 {
				t.Fatalf("processes left after Kill: %v", left)
			}
			_ = cmd.Wait()
			for _, p := range pids {
				if b, err := os.ReadFile("/proc/" + strconv.Itoa(p) + "/stat"); err == nil && !strings.Contains(string(b), ") Z ") {
					t.Errorf("pid %d still alive after Kill: %s", p, b)
				}
			}
		})
	}
}

func TestDestroyLeavesNothing(t *testing.T) {
	m := open(t)
	g, err := m.Create("destroy", Limits{Pids: 8})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/sleep", "60")
	_ = gated(t, cmd)
	if err := g.Place(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	if err := g.Destroy(); err != nil {
		t.Fatal(err)
	}
	for _, p := range g.Paths() {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left after Destroy: %v", p, err)
		}
	}
	if err := cmd.Wait(); err == nil {
		t.Error("process in the group survived Destroy")
	}
	if err := g.Destroy(); err != nil {
		t.Errorf("second Destroy: %v", err)
	}
}

func TestCleanStale(t *testing.T) {
	m := open(t)
	live := create(t, m, "live", Limits{})
	// A creator that is dead: a finished child's pid and start time.
	dead := exec.Command("/bin/true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	staleName := groupName{pid: dead.Process.Pid, start: 1, name: "stale"}.String()
	// A live pid with another start time is a recycled pid: stale too.
	recycled := groupName{pid: os.Getpid(), start: m.self.start + 1, name: "recycled"}.String()
	foreign := "not-a-cordon-group"
	for _, h := range m.hiers {
		for _, n := range []string{staleName, recycled, foreign} {
			if err := os.Mkdir(filepath.Join(h.parent, n), 0o755); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = removeTree(filepath.Join(h.parent, n)) })
		}
	}
	// The stale group still holds a process: CleanStale must kill it.
	cmd := exec.Command("/bin/sleep", "60")
	_ = gated(t, cmd)
	stale := &Group{name: staleName, m: m}
	for _, h := range m.hiers {
		stale.dirs = append(stale.dirs, groupDir{h: h, path: filepath.Join(h.parent, staleName)})
	}
	if err := stale.Place(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	removed, err := m.CleanStale()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(removed, staleName) || !slices.Contains(removed, recycled) {
		t.Errorf("CleanStale removed %v, want %s and %s", removed, staleName, recycled)
	}
	if err := cmd.Wait(); err == nil {
		t.Error("process of the stale group survived")
	}
	for _, h := range m.hiers {
		for n, want := range map[string]bool{staleName: false, recycled: false, foreign: true, live.Name(): true} {
			_, err := os.Stat(filepath.Join(h.parent, n))
			if (err == nil) != want {
				t.Errorf("%s in %s: exists=%v, want %v", n, h.parent, err == nil, want)
			}
		}
	}
}

func TestUnprivileged(t *testing.T) {
	open(t) // creates the project parent as root
	nb := testenv.Nobody(t)
	uid, gid := int(nb.Uid), int(nb.Gid)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The test binary lives in a temp dir nobody may not enter: copy it.
	dir, err := os.MkdirTemp("", "cordon-cgroup-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "cgroup.test")
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, parent := range []string{"cordon-test-unpriv-" + strconv.Itoa(os.Getpid()), testParent} {
		cmd := exec.Command(bin, "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"=unpriv", "PARENT="+parent)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("unprivileged child: %v: %s", err, out)
		}
		if !strings.HasPrefix(string(out), "true ") {
			t.Errorf("unprivileged Open/Create with parent %s: %s; want ErrPermission", parent, out)
		}
	}
}

// TestFDCloneInto spawns a child straight into the group's v2 directory
// with clone3 CLONE_INTO_CGROUP; NeedsPlace says whether v1 hierarchies
// still need a move.
func TestFDCloneInto(t *testing.T) {
	m := open(t)
	if !m.HasV2() {
		t.Skip("no cgroup v2 hierarchy mounted")
	}
	g := create(t, m, "fd", Limits{})
	fd, err := g.FD()
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	cmd := exec.Command("/bin/sleep", "60")
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "0::/") || !strings.Contains(string(b), "/"+testParent+"/"+g.Name()+"\n") {
		t.Errorf("child not born in the v2 group:\n%s", b)
	}
	v1 := false
	for _, d := range g.dirs {
		v1 = v1 || !d.h.v2
	}
	if g.NeedsPlace() != v1 {
		t.Errorf("NeedsPlace = %v with v1 hierarchies %v", g.NeedsPlace(), v1)
	}
	if err := g.Kill(); err != nil {
		t.Fatal(err)
	}
}
