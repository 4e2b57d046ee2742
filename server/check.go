package server

// POST /v1/check: static analysis only, under the tenant's ceiling
// (analysis.block as the threshold, analysis.allow as waivers); the answer
// is the report `cordon check --format json` prints (analysis.CheckReport).

import (
	"context"
	"net/http"
	"strings"

	"github.com/cordonsec/cordon/analysis"
	"github.com/cordonsec/cordon/policy"
)

// CheckRequest is the body of POST /v1/check: a script (source, or
// files[] with every *.py among them analysed).
type CheckRequest struct {
	Source string `json:"source,omitempty"`
	Name   string `json:"name,omitempty"`
	Files  []File `json:"files,omitempty"`
	// FailOn overrides the ceiling's analysis.block for the verdict:
	// high, medium, low or never.
	FailOn string `json:"fail_on,omitempty"`
}

func (s *Server) postCheck(w http.ResponseWriter, r *http.Request, t *Tenant) {
	if p := s.rateCheck(t); p != nil {
		writeProblem(w, r, p)
		return
	}
	var req CheckRequest
	if _, p := s.decodeBody(w, r, &req); p != nil {
		writeProblem(w, r, p)
		return
	}
	rep, p := s.check(r.Context(), t, &req)
	if p != nil {
		writeProblem(w, r, p)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// check analyses the request's scripts under the tenant's ceiling.
func (s *Server) check(ctx context.Context, t *Tenant, req *CheckRequest) (*analysis.CheckReport, *Problem) {
	threshold := t.Ceiling.Analysis.Block
	switch req.FailOn {
	case "":
	case "never":
		threshold = policy.SeverityOff
	case "high", "medium", "low":
		threshold = policy.Severity(req.FailOn)
	default:
		return nil, problem("invalid-request", "fail_on %q: want high, medium, low or never", req.FailOn)
	}
	type src struct {
		name string
		data []byte
	}
	var srcs []src
	if req.Source != "" {
		name := req.Name
		if name == "" {
			name = "script.py"
		}
		if err := checkFileName(name); err != nil {
			return nil, problem("invalid-request", "name %q: %v", name, err)
		}
		srcs = append(srcs, src{name, []byte(req.Source)})
	}
	if len(req.Files) > maxFiles {
		return nil, problem("invalid-request", "%d files; at most %d", len(req.Files), maxFiles)
	}
	for i, f := range req.Files {
		if err := checkFileName(f.Path); err != nil {
			return nil, problem("invalid-request", "files[%d].path %q: %v", i, f.Path, err)
		}
		b, p := decodeContent("files", f.Content, f.Encoding)
		if p != nil {
			return nil, p
		}
		if strings.HasSuffix(f.Path, ".py") {
			srcs = append(srcs, src{f.Path, b})
		}
	}
	if len(srcs) == 0 {
		return nil, problem("invalid-request", "nothing to check: give source, or files with *.py among them")
	}
	var reports []*analysis.Report
	var errs []analysis.FileError
	for _, sc := range srcs {
		rep, err := analysis.Analyze(ctx, sc.name, sc.data, analysis.Options{Allow: t.Ceiling.Analysis.Allow})
		if err != nil {
			errs = append(errs, analysis.FileError{File: sc.name, Err: err.Error()})
			continue
		}
		reports = append(reports, rep)
	}
	return analysis.NewCheckReport(reports, errs, threshold), nil
}
