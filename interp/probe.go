package interp

// Asking a candidate interpreter where it lives. A pyenv shim is a bash
// script that picks a version at run time, so the only reliable answer is
// the interpreter's own: run it once with a tiny program and read back
// sys.executable and the prefixes.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"
)

// probeMagic marks the probe's output so that a program that happens to
// print JSON is not mistaken for Python.
const probeMagic = "cordon-interp-probe-1"

// probeProgram runs on Python 2.7 and 3.x alike.
const probeProgram = `import sys, json
json.dump({"magic": "` + probeMagic + `",
 "executable": sys.executable,
 "prefix": sys.prefix,
 "base_prefix": getattr(sys, "base_prefix", sys.prefix),
 "exec_prefix": sys.exec_prefix,
 "base_exec_prefix": getattr(sys, "base_exec_prefix", sys.exec_prefix),
 "version": "%d.%d.%d" % tuple(sys.version_info[:3]),
 "version_full": sys.version,
 "platlibdir": getattr(sys, "platlibdir", "lib"),
 "path": sys.path}, sys.stdout)
`

// probeTimeout bounds one probe run; a cold pyenv shim takes ~50 ms.
const probeTimeout = 15 * time.Second

type probeResult struct {
	Magic          string   `json:"magic"`
	Executable     string   `json:"executable"`
	Prefix         string   `json:"prefix"`
	BasePrefix     string   `json:"base_prefix"`
	ExecPrefix     string   `json:"exec_prefix"`
	BaseExecPrefix string   `json:"base_exec_prefix"`
	Version        string   `json:"version"`
	VersionFull    string   `json:"version_full"`
	PlatLibDir     string   `json:"platlibdir"`
	Path           []string `json:"path"`
}

// limitedBuffer keeps the first max bytes written and drops the rest.
type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room > 0 {
		if len(p) > room {
			b.Buffer.Write(p[:room])
		} else {
			b.Buffer.Write(p)
		}
	}
	return len(p), nil
}

// runProbe runs candidate with -E -s (as the sandbox does: no PYTHON*
// variables, no user site) and parses its answer.
func runProbe(ctx context.Context, candidate string) (*probeResult, error) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, candidate, "-E", "-s", "-c", probeProgram)
	out := &limitedBuffer{max: 1 << 20}
	errb := &limitedBuffer{max: 4 << 10}
	cmd.Stdout, cmd.Stderr, cmd.Stdin = out, errb, nil
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("running %s: %w after %v", candidate, ErrNotPython, probeTimeout)
	}
	var res probeResult
	dec := json.NewDecoder(bytes.NewReader(out.Bytes()))
	if derr := dec.Decode(&res); derr != nil || res.Magic != probeMagic {
		msg := lastLine(errb.String())
		if err != nil {
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				return nil, fmt.Errorf("running %s: %w", candidate, err)
			}
			if msg == "" {
				msg = err.Error()
			}
		}
		if msg == "" {
			msg = "it did not answer the interpreter probe"
		}
		return nil, fmt.Errorf("%s: %w: %s", candidate, ErrNotPython, msg)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w: extra output after the probe's answer", candidate, ErrNotPython)
	}
	if res.Executable == "" {
		return nil, fmt.Errorf("%s: %w: sys.executable is empty (an embedded interpreter?)", candidate, ErrNotPython)
	}
	return &res, nil
}

// lastLine returns the last line of s (where a Python traceback says what
// went wrong), shortened.
func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
