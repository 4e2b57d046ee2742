package server

// GET /v1/runs/{id}/outputs/{path}: the files a run returned. A request's
// `outputs` (glob patterns under the work dir, as `cordon run --output`)
// makes the library copy the matching files, within the policy's
// outputs.max_files and outputs.max_size, into the run's own folder
// under state_dir/outputs; result.outputs lists them with their SHA-256.
// The folder goes when the run leaves the store (retain) and at start-up.

import (
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"

	"github.com/cordonsec/cordon/policy"
)

// maxOutputPatterns bounds a request's outputs.
const maxOutputPatterns = 64

func (s *Server) outputsRoot() string { return filepath.Join(s.cfg.path(s.cfg.StateDir), "outputs") }

func (s *Server) outputDirFor(id string) string { return filepath.Join(s.outputsRoot(), id) }

func checkOutputs(globs []string) *Problem {
	if len(globs) > maxOutputPatterns {
		return problem("invalid-request", "%d outputs patterns; at most %d", len(globs), maxOutputPatterns)
	}
	for i, g := range globs {
		if err := policy.CheckOutputPattern(g); err != nil {
			return problem("invalid-request", "outputs[%d]: %v", i, err)
		}
	}
	return nil
}

func (s *Server) getOutput(w http.ResponseWriter, r *http.Request, t *Tenant) {
	run := s.st.get(t.Name, r.PathValue("id"))
	if run == nil {
		writeProblem(w, r, problem("not-found", "no run %q", r.PathValue("id")))
		return
	}
	f, st, p := s.openOutput(run, r.PathValue("path"))
	if p != nil {
		writeProblem(w, r, p)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(st.Size(), 10))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Disposition", "attachment")
	_, _ = io.Copy(w, f)
}

// openOutput opens a file run returned, through os.Root: the path cannot
// leave the run's output folder, by ".." or by a symbolic link.
func (s *Server) openOutput(run *Run, p string) (*os.File, os.FileInfo, *Problem) {
	v := run.view()
	listed := false
	if v.Result != nil {
		for _, o := range v.Result.Outputs {
			if o.Path == p && o.Refused == "" {
				listed = true
			}
		}
	}
	if !listed {
		return nil, nil, problem("output-not-found", "run %s returned no file %q (result.outputs lists what it did)", run.ID, p)
	}
	root, err := os.OpenRoot(s.outputDirFor(run.ID))
	if err != nil {
		return nil, nil, problem("output-not-found", "%v", err)
	}
	defer root.Close()
	f, err := root.Open(filepath.FromSlash(p))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, problem("output-not-found", "run %s: %q is gone", run.ID, p)
		}
		return nil, nil, problem("internal", "%v", err)
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, nil, problem("output-not-found", "run %s: %q is not a regular file", run.ID, p)
	}
	return f, st, nil
}
