package escape

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cordonsec/cordon"
	"github.com/cordonsec/cordon/internal/testenv"
)

// mode is who invokes cordon: root, or the throwaway unprivileged user.
type mode struct {
	name     string
	uid, gid uint32
}

func (m mode) root() bool { return m.name == "root" }

// cred is the credential cordon (and the mode's marker processes) run
// with; nil for root, the test's own identity.
func (m mode) cred() *syscall.Credential {
	if m.root() {
		return nil
	}
	return &syscall.Credential{Uid: m.uid, Gid: m.gid, Groups: []uint32{}}
}

var (
	modeRoot = mode{name: "root"}
)

// modeUser is the unprivileged mode; it needs the user TestMain created.
func modeUser() mode {
	if suite.user == nil {
		return mode{name: "user", uid: 65534, gid: 65534}
	}
	return mode{name: "user", uid: suite.user.uid, gid: suite.user.gid}
}

// bothModes is every mode an attack runs in.
func bothModes() []mode { return []mode{modeRoot, modeUser()} }

// inCI reports whether a missing privilege or feature must fail instead of
// skip.
var inCI = testenv.InCI

// needCordon stops t when the binary or its run subcommand is missing. A
// missing `cordon run` is a failure with a clear message, not a skip: the
// feature is what this suite exists to break.
func needCordon(t *testing.T) {
	t.Helper()
	if suite.binErr != nil {
		t.Fatalf("building cordon: %v", suite.binErr)
	}
	if suite.runMissing != "" {
		t.Fatal(suite.runMissing)
	}
}

// needMode stops t when m cannot be used here.
func needMode(t *testing.T, m mode) {
	t.Helper()
	needCordon(t)
	if os.Geteuid() != 0 {
		msg := fmt.Sprintf("%s mode needs root to set up (uid %d)", m.name, os.Geteuid())
		if inCI() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if !m.root() && suite.userErr != nil {
		t.Fatalf("unprivileged user: %v", suite.userErr)
	}
}

// newToken is a unique marker put into the argv of everything a run starts,
// so the host can find (and must not find, afterwards) its processes.
func newToken() string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return "cordontok" + hex.EncodeToString(b)
}

// runDir is the set of host directories one test owns for its runs, all
// owned by the invoking user and closed to everyone else.
type runDir struct {
	root   string // the test's own dir
	home   string // HOME of the invoker
	state  string // XDG_STATE_HOME
	tmp    string // TMPDIR of the invoker: cordon's temp dirs must be gone after a run
	cwd    string // the invoker's cwd, where the script lies; must be invisible inside
	canary string // a dir outside the sandbox the attacks try to write into
	secret string // a 0600 canary file in home the attacks try to read
	token  string
}

func newRunDir(t *testing.T, m mode) *runDir {
	t.Helper()
	token := newToken()
	name := strings.NewReplacer("/", "-", " ", "_").Replace(t.Name())
	if len(name) > 60 {
		name = name[:60]
	}
	root := filepath.Join(suite.base, "runs", name+"-"+token)
	d := &runDir{
		root:   root,
		home:   filepath.Join(root, "home"),
		tmp:    filepath.Join(root, "tmp"),
		cwd:    filepath.Join(root, "cwd-"+token),
		canary: filepath.Join(root, "canary"),
		token:  token,
	}
	d.state = filepath.Join(d.home, ".local", "state")
	d.secret = filepath.Join(d.home, "secret-"+token)
	if err := os.MkdirAll(filepath.Join(suite.base, "runs"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{root, d.home, d.state, d.tmp, d.cwd, d.canary} {
		if err := os.MkdirAll(p, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(d.secret, []byte("CANARY-SECRET-"+token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if !m.root() {
		err := filepath.Walk(root, func(p string, _ os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(p, int(m.uid), int(m.gid))
		})
		if err != nil {
			t.Fatalf("chown run dir: %v", err)
		}
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	return d
}

// chownTo gives p to the mode's user (no-op for root).
func chownTo(t *testing.T, m mode, p string) {
	t.Helper()
	if m.root() {
		return
	}
	if err := os.Lchown(p, int(m.uid), int(m.gid)); err != nil {
		t.Fatal(err)
	}
}

// spec is one invocation of `cordon run`.
type spec struct {
	script   string            // file name under testdata/attacks (or of source)
	source   string            // the script's text, instead of testdata/attacks
	flags    []string          // more cordon run flags (--resolve ...)
	args     []string          // after the token, which is always argv[1]
	limits   map[string]string // policy limits, YAML values
	degrade  []string          // extra allow_degraded layers
	syscalls []string          // isolation.allow_syscalls
	noJSON   bool              // run without --json
	policy   string            // a whole policy file instead of the generated one
	yaml     string            // more top-level policy sections (not limits or isolation), appended to the generated policy
	files    []string          // --file arguments (host paths)
	env      []string          // extra environment for cordon
	guard    time.Duration     // kill cordon itself after this long (default 60s)
	// tty, when set, is cordon's stdin, stdout and stderr and its
	// controlling terminal.
	tty *os.File
	// during runs while cordon does, with a channel closed when it exits.
	during func(done <-chan struct{})
	// extra are open files cordon inherits as fds 3, 4, ... (as from a
	// careless parent that did not set close-on-exec).
	extra []*os.File
}

// outcome is what one run gave.
type outcome struct {
	res      cordon.Result
	exit     int
	stdout   string
	stderr   string
	maxRSSKB int64
	wall     time.Duration
	pid      int
	dir      *runDir
}

// String is the outcome for failure messages.
func (o *outcome) String() string {
	ev, _ := json.Marshal(o.res.Events)
	ly, _ := json.Marshal(o.res.Layers)
	return fmt.Sprintf("status=%s exit=%d (cordon exit %d) signal=%q error=%q\n  layers=%s\n  events=%s\n  script stdout=%q\n  script stderr=%q\n  cordon stderr=%q",
		o.res.Status, o.res.ExitCode, o.exit, o.res.Signal, o.res.Error, ly, ev,
		clip(o.res.Stdout, 2000), clip(o.res.Stderr, 2000), clip(o.stderr, 2000))
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "...(clipped)"
	}
	return s
}

// basePolicy is the policy every attack starts from: the defaults, with
// static analysis not blocking (the attacks are meant to reach the kernel
// layers, not be stopped before them) and the audit log off (it is not
// what this suite tests).
func (s spec) policyYAML(m mode) string {
	if s.policy != "" {
		return s.policy
	}
	var b strings.Builder
	b.WriteString("analysis:\n  block: \"off\"\naudit:\n  enabled: false\n")
	if len(s.limits) > 0 {
		limits := s.limits
		if _, ok := limits["cpu_time"]; !ok && limits["wall_time"] != "" {
			// The validator refuses cpu_time above wall_time, and the
			// default cpu_time (10s) is above the short wall times here.
			limits = map[string]string{"cpu_time": limits["wall_time"]}
			for k, v := range s.limits {
				limits[k] = v
			}
		}
		b.WriteString("limits:\n")
		keys := make([]string, 0, len(limits))
		for k := range limits {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "  %s: %s\n", k, limits[k])
		}
	}
	b.WriteString(s.yaml)
	degrade := append([]string{}, s.degrade...)
	if !m.root() {
		// An unprivileged user cannot create cgroups on this host; the
		// policy lets that one layer degrade to rlimits (and the result
		// must say so).
		degrade = append(degrade, "cgroup")
	}
	if len(degrade) > 0 || len(s.syscalls) > 0 {
		fmt.Fprintf(&b, "isolation:\n  allow_degraded: [%s]\n  allow_syscalls: [%s]\n",
			strings.Join(degrade, ", "), strings.Join(s.syscalls, ", "))
	}
	return b.String()
}

// children tracks the processes this test binary started itself, so an
// orphan re-parented to it (it is a child subreaper) stands out.
var children struct {
	sync.Mutex
	pids map[int]bool
}

// startChild starts cmd and records it as a direct child.
func startChild(cmd *exec.Cmd) error {
	children.Lock()
	defer children.Unlock()
	if err := cmd.Start(); err != nil {
		return err
	}
	if children.pids == nil {
		children.pids = map[int]bool{}
	}
	children.pids[cmd.Process.Pid] = true
	return nil
}

// forgetChild drops a reaped child from the record.
func forgetChild(pid int) {
	children.Lock()
	defer children.Unlock()
	delete(children.pids, pid)
}

// cordonEnv is the environment the invoker gives cordon.
func cordonEnv(m mode, d *runDir) []string {
	path := os.Getenv("PATH")
	if !m.root() {
		path = "/usr/local/bin:/usr/bin:/bin"
	}
	return []string{
		"PATH=" + path,
		"HOME=" + d.home,
		"XDG_STATE_HOME=" + d.state,
		"TMPDIR=" + d.tmp,
		"LANG=C.UTF-8",
		"USER=" + m.name,
		// A host secret that must not be visible inside.
		"CORDON_ESCAPE_SECRET=" + d.token + "-host-secret",
	}
}

// run runs cordon once in d and checks the things every run must satisfy:
// cordon returned, its --json is a Result, its exit code is the status's,
// and nothing of the run is left on the host.
func run(t *testing.T, m mode, d *runDir, s spec) *outcome {
	t.Helper()
	src := []byte(s.source)
	if s.source == "" {
		var err error
		if src, err = os.ReadFile(filepath.Join("testdata", "attacks", s.script)); err != nil {
			t.Fatal(err)
		}
	}
	script := filepath.Join(d.cwd, s.script)
	if err := os.WriteFile(script, src, 0o600); err != nil {
		t.Fatal(err)
	}
	chownTo(t, m, script)
	pol := filepath.Join(d.root, "policy-"+newToken()+".yaml")
	if err := os.WriteFile(pol, []byte(s.policyYAML(m)), 0o600); err != nil {
		t.Fatal(err)
	}
	chownTo(t, m, pol)

	args := []string{"run", "--policy", pol}
	if suite.warm {
		args = append(args, "--warm")
	}
	if !s.noJSON {
		args = append(args, "--json")
	}
	for _, f := range s.files {
		args = append(args, "--file", f)
	}
	args = append(args, s.flags...)
	args = append(args, s.script, "--", d.token)
	args = append(args, s.args...)

	guard := s.guard
	if guard == 0 {
		guard = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	cmd := exec.CommandContext(ctx, suite.bin, args...)
	cmd.Dir = d.cwd
	cmd.Env = append(cordonEnv(m, d), s.env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: m.cred()}
	cmd.ExtraFiles = s.extra
	var stdout, stderr bytes.Buffer
	if s.tty != nil {
		cmd.Stdin, cmd.Stdout, cmd.Stderr = s.tty, s.tty, s.tty
		cmd.SysProcAttr.Setsid = true
		cmd.SysProcAttr.Setctty = true
		cmd.SysProcAttr.Ctty = 0
	} else {
		cmd.Stdin = strings.NewReader("")
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
	}
	start := time.Now()
	if err := startChild(cmd); err != nil {
		t.Fatalf("starting cordon: %v", err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	if s.during != nil {
		wg.Add(1)
		go func() { defer wg.Done(); s.during(done) }()
	}
	werr := cmd.Wait()
	close(done)
	wg.Wait()
	forgetChild(cmd.Process.Pid)
	o := &outcome{stdout: stdout.String(), stderr: stderr.String(), wall: time.Since(start), pid: cmd.Process.Pid, dir: d}
	if ctx.Err() != nil {
		t.Fatalf("cordon did not return within %v (killed by the test); stderr:\n%s", guard, clip(o.stderr, 4000))
	}
	var ee *exec.ExitError
	switch {
	case werr == nil:
	case errors.As(werr, &ee):
		o.exit = ee.ExitCode()
	default:
		t.Fatalf("cordon: %v", werr)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		o.maxRSSKB = ru.Maxrss
	}
	t.Cleanup(func() { checkNoLeftovers(t, d, o) })
	if s.noJSON || s.tty != nil {
		return o
	}
	if err := json.Unmarshal(stdout.Bytes(), &o.res); err != nil {
		t.Fatalf("cordon run --json did not print a Result (exit %d): %v\nstdout: %q\nstderr: %s",
			o.exit, err, clip(o.stdout, 2000), clip(o.stderr, 4000))
	}
	checkResultShape(t, o)
	return o
}

// checkResultShape checks what every --json Result must hold.
func checkResultShape(t *testing.T, o *outcome) {
	t.Helper()
	if o.res.Status == "" {
		t.Errorf("Result has no status: %s", o)
		return
	}
	if want := o.res.Status.ExitCode(o.res.ExitCode); o.exit != want {
		t.Errorf("cordon exited %d, but status %s with script exit %d maps to %d", o.exit, o.res.Status, o.res.ExitCode, want)
	}
	if o.res.Status != cordon.StatusInternalError && o.res.Status != cordon.StatusRejected && len(o.res.Layers) == 0 {
		t.Errorf("a run that started reports no layers: %s", o)
	}
}

// readAll drains r into a buffer until it closes; the returned func waits.
func readAll(r io.Reader) (*bytes.Buffer, func()) {
	var b bytes.Buffer
	var mu sync.Mutex
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		buf := make([]byte, 32<<10)
		for {
			n, err := r.Read(buf)
			mu.Lock()
			b.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return &b, func() { <-ch }
}
