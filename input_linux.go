//go:build linux

package cordon

// Checking and opening a job's input before anything starts: the script
// (a path or source bytes), the --file inputs and the environment. The
// opened files are handed to the sandbox's init as fds, which copies them
// into the work dir.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/cordonsec/cordon/policy"
)

type input struct {
	name   string      // script file name in the work dir
	names  []string    // every file in the work dir, script first
	files  []*os.File  // same order
	inputs []InputFile // the --file inputs (not the script), for the record
	env    []string
}

func (in *input) close() {
	for _, f := range in.files {
		f.Close()
	}
}

func badInput(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrBadInput, fmt.Sprintf(format, a...))
}

// sniffLen is how much of a script is checked for binary content.
const sniffLen = 8 << 10

func loadInput(ctx context.Context, job *Job, pol *policy.Policy) (_ *input, err error) {
	in := &input{}
	defer func() {
		if err != nil {
			in.close()
		}
	}()
	switch {
	case job.Script != "" && job.Source != nil:
		return nil, badInput("both a script path and script source given")
	case job.Script != "":
		f, _, err := openInput("script", job.Script, true, pol)
		if err != nil {
			return nil, err
		}
		in.files = append(in.files, f)
		head := make([]byte, sniffLen)
		n, err := f.ReadAt(head, 0)
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, badInput("script %s: %v", job.Script, err)
		}
		if isBinary(head[:n]) {
			return nil, badInput("script %s is a binary file, not a Python script", job.Script)
		}
		in.name = filepath.Base(job.Script)
	case job.Source != nil:
		if isBinary(job.Source) {
			return nil, badInput("script source is binary")
		}
		fd, err := unix.MemfdCreate("script", unix.MFD_CLOEXEC)
		if err != nil {
			return nil, fmt.Errorf("script source: %w", err)
		}
		f := os.NewFile(uintptr(fd), "script")
		in.files = append(in.files, f)
		if _, err := f.Write(job.Source); err != nil {
			return nil, fmt.Errorf("script source: %w", err)
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, fmt.Errorf("script source: %w", err)
		}
		in.name = "script.py"
	default:
		return nil, badInput("no script given")
	}
	if job.Name != "" {
		in.name = job.Name
	}
	if err := checkName(in.name); err != nil {
		return nil, badInput("script name %q: %v", in.name, err)
	}
	in.names = append(in.names, in.name)
	seen := map[string]string{in.name: "the script"}
	var total int64
	for _, p := range job.Files {
		name := filepath.Base(p)
		if err := checkName(name); err != nil {
			return nil, badInput("file %s: %v", p, err)
		}
		if other, dup := seen[name]; dup {
			return nil, badInput("file %s: name %q collides with %s", p, name, other)
		}
		seen[name] = p
		f, real, err := openInput("file", p, job.FollowLinks, pol)
		if err != nil {
			return nil, err
		}
		in.files = append(in.files, f)
		in.names = append(in.names, name)
		rec, err := describeInput(ctx, f, name, real)
		if err != nil {
			return nil, err
		}
		in.inputs = append(in.inputs, rec)
		total += rec.Size
	}
	// Inputs do not count against limits.file_size (the largest file the
	// script may write; the status comes from the kernel's refusal of a
	// write, never from a file's size), but they must fit the work dir,
	// a tmpfs of limits.tmp + limits.file_size.
	if work := int64(pol.Limits.Tmp) + int64(pol.Limits.FileSize); total > work {
		return nil, badInput("the input files hold %s, more than the work dir's %s (limits.tmp + limits.file_size); raise those limits",
			policy.FormatSize(total), policy.FormatSize(work))
	}
	for _, p := range job.Outputs {
		if err := policy.CheckOutputPattern(p); err != nil {
			return nil, badInput("outputs: %v", err)
		}
	}
	for i, a := range job.Args {
		// An argument is a C string of the interpreter's argv (and a
		// field of a warm interpreter's NUL-separated job, where a NUL
		// would start the next field: the environment's).
		if strings.IndexByte(a, 0) >= 0 {
			return nil, badInput("argument %d holds a NUL byte", i+1)
		}
	}
	in.env, err = buildEnv(job, pol)
	if err != nil {
		return nil, err
	}
	return in, nil
}

// Kernel file systems no input may come from (statfs f_type): their
// files describe the supervisor and the host (/proc/self/environ is the
// supervisor's own environment), and reading some has side effects.
var kernelFS = map[int64]string{
	unix.PROC_SUPER_MAGIC: "/proc", unix.SYSFS_MAGIC: "/sys", unix.CGROUP_SUPER_MAGIC: "a cgroup file system",
	unix.CGROUP2_SUPER_MAGIC: "a cgroup file system", unix.DEBUGFS_MAGIC: "debugfs", unix.TRACEFS_MAGIC: "tracefs",
	unix.SECURITYFS_MAGIC: "securityfs", unix.BPF_FS_MAGIC: "the bpf file system", unix.EFIVARFS_MAGIC: "efivarfs",
	unix.DEVPTS_SUPER_MAGIC: "devpts",
}

// openInput opens the script or an input file for the run: a regular
// file only (a FIFO would block the open forever, a device or socket is
// no file to copy), opened O_NONBLOCK so that nothing blocks before the
// check; not a symlink unless follow (O_NOFOLLOW: with the invoker's
// rights a link could hand in /etc/shadow); not from /proc, /sys and
// the like; not inside the policy's filesystem.deny. It returns the file
// and the real path it was opened at.
func openInput(what, p string, follow bool, pol *policy.Policy) (*os.File, string, error) {
	flags := unix.O_RDONLY | unix.O_CLOEXEC | unix.O_NONBLOCK | unix.O_NOCTTY
	if !follow {
		flags |= unix.O_NOFOLLOW
	}
	fd, err := unix.Open(p, flags, 0)
	if errors.Is(err, unix.ELOOP) && !follow {
		if fi, lerr := os.Lstat(p); lerr == nil && fi.Mode()&os.ModeSymlink != 0 {
			return nil, "", fmt.Errorf("%w: %s %s: %w", ErrBadInput, what, p, ErrInputLink)
		}
	}
	if err != nil {
		return nil, "", fmt.Errorf("%w: %s %s: %w", ErrBadInput, what, p, err)
	}
	f := os.NewFile(uintptr(fd), p)
	fail := func(err error) (*os.File, string, error) {
		f.Close()
		return nil, "", err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fail(badInput("%s %s: %v", what, p, err))
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
	case unix.S_IFDIR:
		return fail(badInput("%s %s is a directory", what, p))
	case unix.S_IFIFO:
		return fail(badInput("%s %s is a FIFO (named pipe), not a regular file", what, p))
	case unix.S_IFCHR, unix.S_IFBLK:
		return fail(badInput("%s %s is a device, not a regular file", what, p))
	case unix.S_IFSOCK:
		return fail(badInput("%s %s is a socket, not a regular file", what, p))
	default:
		return fail(badInput("%s %s is not a regular file", what, p))
	}
	var sfs unix.Statfs_t
	if err := unix.Fstatfs(fd, &sfs); err != nil {
		return fail(badInput("%s %s: %v", what, p, err))
	}
	if where, ok := kernelFS[int64(sfs.Type)]; ok {
		return fail(badInput("%s %s is in %s, a kernel file system: not an input", what, p, where))
	}
	// The path the kernel opened, links resolved: what the deny list is
	// about, whatever name it was given by.
	real, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd))
	if err != nil {
		return fail(badInput("%s %s: %v", what, p, err))
	}
	for _, d := range pol.Filesystem.Deny {
		if real == d || strings.HasPrefix(real, strings.TrimSuffix(d, "/")+"/") {
			return fail(badInput("%s %s is denied by the policy (filesystem.deny: %s)", what, p, d))
		}
	}
	// Reads of a regular file never block; the copy wants plain reads.
	_ = unix.SetNonblock(fd, false)
	return f, real, nil
}

// describeInput is an input's name, real path, size and SHA-256 for the
// audit start record and the result. Hashing reads the whole file, so it
// stops when ctx ends (the CLI's SIGINT).
func describeInput(ctx context.Context, f *os.File, name, real string) (InputFile, error) {
	h := sha256.New()
	b := make([]byte, 1<<20)
	var n int64
	for off := int64(0); ; {
		if err := ctx.Err(); err != nil {
			return InputFile{}, err
		}
		k, err := f.ReadAt(b, off)
		h.Write(b[:k])
		off += int64(k)
		n = off
		if err == io.EOF {
			break
		}
		if err != nil {
			return InputFile{}, badInput("file %s: %v", real, err)
		}
	}
	return InputFile{Name: name, Path: real, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

func checkName(name string) error {
	switch {
	case name == "" || name == "." || name == "..":
		return fmt.Errorf("not a file name")
	case strings.ContainsAny(name, "/\x00"):
		return fmt.Errorf("not a single path element")
	}
	return nil
}

// isBinary says whether b looks like a binary file: a NUL byte or an ELF
// header. Python source never holds NUL.
func isBinary(b []byte) bool {
	return bytes.IndexByte(b, 0) >= 0 || bytes.HasPrefix(b, []byte("\x7fELF"))
}

// Fixed variables of every sandbox.
var fixedEnv = []string{
	"PATH=/usr/local/bin:/usr/bin:/bin",
	"HOME=/work",
	"LANG=C.UTF-8",
}

// buildEnv is the fixed variables, then the policy's passed variables (from
// job.Env or the supervisor's environment), then the policy's set ones.
func buildEnv(job *Job, pol *policy.Policy) ([]string, error) {
	pass := map[string]bool{}
	for _, n := range pol.Environment.Pass {
		pass[n] = true
	}
	for n := range job.Env {
		if !pass[n] {
			return nil, badInput("variable %s is not in the policy's environment.pass", n)
		}
	}
	vals := map[string]string{}
	for _, n := range pol.Environment.Pass {
		if v, ok := job.Env[n]; ok {
			vals[n] = v
		} else if v, ok := hostEnv(n); ok {
			vals[n] = v
		}
	}
	for n, v := range pol.Environment.Set {
		vals[n] = v
	}
	env := make([]string, 0, len(fixedEnv)+len(vals))
	for _, kv := range fixedEnv {
		// environment.set may choose the locale (validation refuses
		// setting PATH and HOME, and passing any of the three).
		if n, _, _ := strings.Cut(kv, "="); n == "LANG" && pol.Environment.Set["LANG"] != "" {
			continue
		}
		env = append(env, kv)
	}
	keys := make([]string, 0, len(vals))
	for n := range vals {
		if n == "PATH" || n == "HOME" || strings.ContainsAny(n, "=\x00") {
			continue
		}
		keys = append(keys, n)
	}
	sort.Strings(keys)
	for _, n := range keys {
		if strings.IndexByte(vals[n], 0) >= 0 {
			return nil, badInput("variable %s holds a NUL byte", n)
		}
		env = append(env, n+"="+vals[n])
	}
	return env, nil
}
