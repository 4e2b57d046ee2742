package interp

// Proof that ReadOnlyPaths and Symlinks are enough: a re-executed test
// process unshares user and mount namespaces, builds a tmpfs root holding
// only those paths (bound read-only) and links, pivot_roots into it and
// execs the interpreter on a script importing the common modules. The
// same run with libc's file left out must fail, or the check proves
// nothing.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/cordonsec/cordon/internal/testenv"
	"golang.org/x/sys/unix"
)

const childEnv = "CORDON_INTERP_TEST_ROOT"

const importAll = `import json, csv, re, datetime, asyncio, threading, multiprocessing, sqlite3, ssl, ctypes, zlib, hashlib, decimal, zoneinfo, time
ssl.create_default_context()
assert zoneinfo.ZoneInfo("Europe/Paris").utcoffset(datetime.datetime(2024, 1, 1)) == datetime.timedelta(hours=1)
t = threading.Thread(target=lambda: None); t.start(); t.join()
con = sqlite3.connect(":memory:"); con.execute("create table t (x)"); con.close()
print("sandbox-imports-ok", time.localtime().tm_zone)
`

func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		if err := childRun(spec); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(90)
		}
	}
	os.Exit(m.Run())
}

type childSpec struct {
	Root    string   `json:"root"`
	Runtime *Runtime `json:"runtime"`
	Args    []string `json:"args"`
}

// childRun builds the root and execs the interpreter; it returns only on error.
func childRun(specJSON string) error {
	var s childSpec
	if err := json.Unmarshal([]byte(specJSON), &s); err != nil {
		return err
	}
	root := s.Root
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("private /: %w", err)
	}
	if err := unix.Mount("tmpfs", root, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0755"); err != nil {
		return fmt.Errorf("tmpfs: %w", err)
	}
	for _, p := range s.Runtime.ReadOnlyPaths {
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		dst := filepath.Join(root, p)
		if fi.IsDir() {
			err = os.MkdirAll(dst, 0o755)
		} else if err = os.MkdirAll(filepath.Dir(dst), 0o755); err == nil {
			err = os.WriteFile(dst, nil, 0o644)
		}
		if err != nil {
			return err
		}
		if err := unix.Mount(p, dst, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			return fmt.Errorf("bind %s: %w", p, err)
		}
		var st unix.Statfs_t
		if err := unix.Statfs(p, &st); err != nil {
			return err
		}
		// A read-only remount in a user namespace must repeat the
		// source's locked flags.
		flags := uintptr(unix.MS_BIND | unix.MS_REMOUNT | unix.MS_RDONLY)
		for _, f := range [][2]int64{{unix.ST_NOSUID, unix.MS_NOSUID}, {unix.ST_NODEV, unix.MS_NODEV},
			{unix.ST_NOEXEC, unix.MS_NOEXEC}, {unix.ST_NOATIME, unix.MS_NOATIME},
			{unix.ST_NODIRATIME, unix.MS_NODIRATIME}, {unix.ST_RELATIME, unix.MS_RELATIME}} {
			if st.Flags&f[0] != 0 {
				flags |= uintptr(f[1])
			}
		}
		if err := unix.Mount("", dst, "", flags, ""); err != nil {
			return fmt.Errorf("read-only %s: %w", p, err)
		}
	}
	for _, l := range s.Runtime.Symlinks {
		dst := filepath.Join(root, l.Path)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.Symlink(l.Target, dst); err != nil {
			return fmt.Errorf("link %s: %w", l.Path, err)
		}
	}
	if err := os.MkdirAll(filepath.Join(root, "tmp"), 0o1777); err != nil {
		return err
	}
	if err := unix.Chdir(root); err != nil {
		return err
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root: %w", err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach old root: %w", err)
	}
	if err := unix.Chdir("/"); err != nil {
		return err
	}
	// Nothing of the host may remain: the probe must not see the test binary.
	if _, err := os.Stat("/proc/self"); err == nil {
		return fmt.Errorf("host /proc still visible")
	}
	env := []string{"PATH=/usr/bin:/bin", "LANG=C.UTF-8", "HOME=/tmp"}
	argv := append([]string{s.Runtime.Exec}, s.Args...)
	return syscall.Exec(s.Runtime.Exec, argv, env)
}

// runInRoot runs the interpreter in a root built from rt and returns its
// combined output.
func runInRoot(t *testing.T, rt *Runtime, args ...string) (string, error) {
	t.Helper()
	root := t.TempDir()
	spec, err := json.Marshal(childSpec{Root: root, Runtime: rt, Args: args})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(context.Background(), os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+string(spec))
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}},
		Pdeathsig:   syscall.SIGKILL,
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func userNamespacesUsable(t *testing.T) {
	t.Helper()
	cmd := exec.Command("/bin/true")
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}},
	}
	if err := cmd.Run(); err != nil {
		testenv.Missing(t, "user+mount namespaces unavailable on this host: %v", err)
	}
}

func TestReadOnlyPathsSuffice(t *testing.T) {
	userNamespacesUsable(t)
	names := []string{"/usr/bin/python3"}
	if _, err := exec.LookPath("python3"); err == nil {
		names = append(names, "python3")
	}
	for _, name := range names {
		t.Run(strings.TrimPrefix(name, "/"), func(t *testing.T) {
			if filepath.IsAbs(name) {
				debianPython(t)
			}
			rt, err := fresh().Resolve(context.Background(), name)
			if err != nil {
				t.Fatal(err)
			}
			out, err := runInRoot(t, rt, "-E", "-s", "-c", importAll)
			if err != nil || !strings.Contains(out, "sandbox-imports-ok") {
				t.Fatalf("%s in a root of its ReadOnlyPaths: %v\n%s", rt.Path, err, out)
			}

			// The check can fail: without libssl, "import ssl" breaks.
			cut := rt.Clone()
			cut.ReadOnlyPaths = nil
			dropped := ""
			for _, p := range rt.ReadOnlyPaths {
				if strings.Contains(filepath.Base(p), "libssl.so") {
					dropped = p
					continue
				}
				cut.ReadOnlyPaths = append(cut.ReadOnlyPaths, p)
			}
			if dropped == "" {
				t.Skipf("%s does not load libssl; negative check skipped", rt.Path)
			}
			out, err = runInRoot(t, cut, "-E", "-s", "-c", importAll)
			if err == nil || !strings.Contains(out, "libssl") {
				t.Fatalf("without %s the run should fail on libssl: %v\n%s", dropped, err, out)
			}
		})
	}
}

// TestVenvSuffices: a virtual environment keeps its own name for the
// binary, so Python finds pyvenv.cfg and the venv's site-packages in the
// new root too.
func TestVenvSuffices(t *testing.T) {
	userNamespacesUsable(t)
	py := debianPython(t)
	venv := filepath.Join(t.TempDir(), "venv")
	if out, err := exec.Command(py, "-m", "venv", "--without-pip", venv).CombinedOutput(); err != nil {
		t.Skipf("cannot create a venv with %s: %v\n%s", py, err, out)
	}
	site, err := filepath.Glob(filepath.Join(venv, "lib", "python3*", "site-packages"))
	if err != nil || len(site) != 1 {
		t.Fatalf("venv site-packages: %v %v", site, err)
	}
	if err := os.WriteFile(filepath.Join(site[0], "venvmark.py"), []byte("MARK = 'from-venv'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rt, err := fresh().Resolve(context.Background(), filepath.Join(venv, "bin", "python"))
	if err != nil {
		t.Fatal(err)
	}
	assertRuntime(t, rt)
	if rt.Prefix != venv || rt.BasePrefix == venv || rt.Exec != filepath.Join(venv, "bin", "python") {
		t.Fatalf("venv runtime: prefix %s base %s exec %s", rt.Prefix, rt.BasePrefix, rt.Exec)
	}
	out, err := runInRoot(t, rt, "-E", "-s", "-c",
		"import sys, json, ssl, venvmark; assert sys.prefix != sys.base_prefix; print('venv-ok', sys.prefix, venvmark.MARK)")
	if err != nil || !strings.Contains(out, "venv-ok "+venv+" from-venv") {
		t.Fatalf("venv in a root of its ReadOnlyPaths: %v\n%s", err, out)
	}
}

// TestEveryPyenvVersionSuffices resolves each Python that pyenv installed
// here (2.7 to 3.13 on the CI host) by its own binary and runs the
// standard library's native modules in a root of its ReadOnlyPaths.
func TestEveryPyenvVersionSuffices(t *testing.T) {
	userNamespacesUsable(t)
	root := os.Getenv("PYENV_ROOT")
	if root == "" {
		home, _ := os.UserHomeDir()
		root = filepath.Join(home, ".pyenv")
	}
	pys, _ := filepath.Glob(filepath.Join(root, "versions", "*", "bin", "python"))
	if len(pys) == 0 {
		t.Skipf("no pyenv versions under %s", root)
	}
	const prog = "import json, re, ssl, sqlite3, ctypes, zlib, hashlib, decimal, threading, datetime; print('native-ok')"
	for _, py := range pys {
		version := filepath.Base(filepath.Dir(filepath.Dir(py)))
		t.Run(version, func(t *testing.T) {
			rt, err := fresh().Resolve(context.Background(), py)
			if err != nil {
				t.Fatal(err)
			}
			assertRuntime(t, rt)
			if rt.Version != version {
				t.Errorf("version %s, pyenv calls it %s", rt.Version, version)
			}
			out, err := runInRoot(t, rt, "-E", "-s", "-c", prog)
			if err != nil || !strings.Contains(out, "native-ok") {
				t.Fatalf("%s in a root of its ReadOnlyPaths: %v\n%s", rt.Path, err, out)
			}
		})
	}
}
