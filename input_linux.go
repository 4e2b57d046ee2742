//go:build linux

package cordon

// Checking and opening a job's input before anything starts: the script
// (a path or source bytes), the --file inputs and the environment. The
// opened files are handed to the sandbox's init as fds, which copies them
// into the work dir.

import (
	"bytes"
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
	name  string     // script file name in the work dir
	names []string   // every file in the work dir, script first
	files []*os.File // same order
	env   []string
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

func loadInput(job *Job, pol *policy.Policy) (_ *input, err error) {
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
		f, err := openRegular("script", job.Script)
		if err != nil {
			return nil, err
		}
		in.files = append(in.files, f)
		head := make([]byte, sniffLen)
		n, err := f.ReadAt(head, 0)
		if err != nil && err != io.EOF {
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
	for _, p := range job.Files {
		name := filepath.Base(p)
		if err := checkName(name); err != nil {
			return nil, badInput("file %s: %v", p, err)
		}
		if other, dup := seen[name]; dup {
			return nil, badInput("file %s: name %q collides with %s", p, name, other)
		}
		seen[name] = p
		f, err := openRegular("file", p)
		if err != nil {
			return nil, err
		}
		in.files = append(in.files, f)
		in.names = append(in.names, name)
	}
	for _, p := range job.Outputs {
		if err := policy.CheckOutputPattern(p); err != nil {
			return nil, badInput("outputs: %v", err)
		}
	}
	in.env, err = buildEnv(job, pol)
	if err != nil {
		return nil, err
	}
	return in, nil
}

func openRegular(what, p string) (*os.File, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("%w: %s %s: %w", ErrBadInput, what, p, errors.Unwrap(err))
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, badInput("%s %v", what, err)
	}
	if fi.IsDir() {
		f.Close()
		return nil, badInput("%s %s is a directory", what, p)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, badInput("%s %s is not a regular file", what, p)
	}
	return f, nil
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
