package analysis

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"time"

	"github.com/cordonsec/cordon/policy"
)

// Defaults for the per-file bounds when Options leaves them zero.
const (
	DefaultMaxBytes = 8 << 20
	DefaultTimeout  = 10 * time.Second
	// maxPayloadDepth bounds analysis of code found in strings handed to
	// exec/eval (and in decoded constants).
	maxPayloadDepth = 3
)

// Options bound one file's analysis and say which rules are waived.
type Options struct {
	// MaxBytes is the largest source analysed; a bigger file gets a
	// high-severity CDN001 finding and Truncated. 0 means DefaultMaxBytes.
	MaxBytes int64
	// Timeout bounds parsing and analysis of one file; hitting it gives a
	// high-severity CDN001 finding and TimedOut. 0 means DefaultTimeout.
	Timeout time.Duration
	// Allow waives rule ids, everywhere or for matching paths
	// (policy.analysis.allow).
	Allow []policy.RuleAllow
}

// Match is one rule match: a finding on one file (the result of a run
// carries it as a cordon.Finding, with the file named).
type Match struct {
	Rule       string          `json:"rule"`
	Severity   policy.Severity `json:"severity"`
	Confidence string          `json:"confidence"`
	Category   string          `json:"category"`
	Message    string          `json:"message"`
	Line       int             `json:"line"`
	Column     int             `json:"column"`
	EndLine    int             `json:"end_line"`
	EndColumn  int             `json:"end_column"`
	Snippet    string          `json:"snippet,omitempty"`
	// Target is the resolved name the finding is about ("os.system",
	// "exec", "pickle.loads"), when there is one.
	Target string `json:"target,omitempty"`
}

// SyntaxError is a place where the parser found invalid syntax.
type SyntaxError struct {
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

// Report is the analysis of one file.
type Report struct {
	File         string        `json:"file"`
	Encoding     string        `json:"encoding,omitempty"`
	Findings     []Match       `json:"findings"`
	SyntaxErrors []SyntaxError `json:"syntax_errors,omitempty"`
	// Truncated: the file exceeded Options.MaxBytes and was not analysed.
	Truncated bool `json:"truncated,omitempty"`
	// TimedOut: parsing or analysis hit Options.Timeout.
	TimedOut bool `json:"timed_out,omitempty"`
	// Waived counts findings dropped by Options.Allow.
	Waived int `json:"waived,omitempty"`
}

// Blocks returns the findings at or above threshold (none for "off" or an
// unknown threshold).
func (r *Report) Blocks(threshold policy.Severity) []Match {
	if r == nil || threshold.Rank() <= 0 {
		return nil
	}
	var out []Match
	for _, f := range r.Findings {
		if f.Severity.Rank() >= threshold.Rank() {
			out = append(out, f)
		}
	}
	return out
}

// Max returns the highest severity among the findings ("" if none).
func (r *Report) Max() policy.Severity {
	var m policy.Severity
	for _, f := range r.Findings {
		if f.Severity.Rank() > m.Rank() {
			m = f.Severity
		}
	}
	return m
}

// Analyze reads src (the bytes of file, as on disk) the way CPython would
// and returns its findings. file is used for the report and for per-path
// waivers only. It is safe for concurrent use. The error is non-nil only
// when the analyzer itself failed (ctx cancelled by the caller, parser
// unavailable); every property of the input, including bytes that are not
// Python at all, is a finding.
func Analyze(ctx context.Context, file string, src []byte, opts Options) (*Report, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("analysing %s: %w", file, err)
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	rep := &Report{File: file, Findings: []Match{}}
	if int64(len(src)) > opts.MaxBytes {
		rep.Truncated = true
		// Callers read at most MaxBytes+1 bytes: len(src) is not the
		// file's size, only proof that it is larger than the bound.
		rep.add(metaFinding("CDN001", fmt.Sprintf("file is larger than the analysis bound of %s: not analysed", policy.Size(opts.MaxBytes))))
		rep.finish(opts)
		return rep, nil
	}
	text, enc, err := decodeSource(src)
	rep.Encoding = enc
	if err != nil {
		rep.add(metaFinding("CDN003", err.Error()))
		rep.finish(opts)
		return rep, nil
	}
	tctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	a := &analyzer{ctx: tctx, rep: rep}
	if err := a.run(text, 0); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("analysing %s: %w", file, ctx.Err())
		}
		if errors.Is(err, errParseCancelled) || errors.Is(err, context.DeadlineExceeded) {
			rep.TimedOut = true
			rep.add(metaFinding("CDN001", fmt.Sprintf("analysis did not finish within %v: not analysed", opts.Timeout)))
			rep.finish(opts)
			return rep, nil
		}
		return nil, fmt.Errorf("analysing %s: %w", file, err)
	}
	rep.finish(opts)
	return rep, nil
}

func metaFinding(id, msg string) Match {
	r := ruleByID[id]
	return Match{Rule: id, Severity: r.Severity, Confidence: r.Confidence, Category: r.Category,
		Message: msg, Line: 1, Column: 1, EndLine: 1, EndColumn: 1}
}

func (r *Report) add(f Match) { r.Findings = append(r.Findings, f) }

// finish applies waivers, removes duplicates and sorts by position.
func (r *Report) finish(opts Options) {
	seen := map[string]int{} // key -> index in out
	out := r.Findings[:0]
	for _, f := range r.Findings {
		if waived(opts.Allow, f.Rule, r.File) {
			r.Waived++
			continue
		}
		key := fmt.Sprintf("%s:%d:%d", f.Rule, f.Line, f.Column)
		if i, dup := seen[key]; dup {
			// One finding per rule and place: the most severe one.
			if f.Severity.Rank() > out[i].Severity.Rank() {
				out[i] = f
			}
			continue
		}
		seen[key] = len(out)
		out = append(out, f)
	}
	r.Findings = out
	sort.SliceStable(r.Findings, func(i, j int) bool {
		a, b := r.Findings[i], r.Findings[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return a.Rule < b.Rule
	})
}

func waived(allow []policy.RuleAllow, rule, file string) bool {
	for _, a := range allow {
		if a.Rule != rule {
			continue
		}
		if len(a.Paths) == 0 {
			return true
		}
		for _, g := range a.Paths {
			if ok, _ := path.Match(g, file); ok {
				return true
			}
			if ok, _ := path.Match(g, path.Base(file)); ok {
				return true
			}
		}
	}
	return false
}
