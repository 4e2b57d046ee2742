package analysis

import "github.com/cordonsec/cordon/policy"

// CheckReport is the JSON form of a check of several files: what `cordon
// check --format json` prints and what the service's POST /v1/check
// answers, one shape for both.
type CheckReport struct {
	Files        int               `json:"files"`
	FailOn       string            `json:"fail_on"`
	Failed       bool              `json:"failed"`
	Findings     []FileFinding     `json:"findings"`
	SyntaxErrors []FileSyntaxError `json:"syntax_errors"`
	Errors       []FileError       `json:"errors"`
	Counts       map[string]int    `json:"counts"`
}

// FileFinding is a finding with the file it is in.
type FileFinding struct {
	File string `json:"file"`
	Match
}

// FileSyntaxError is a syntax error with the file it is in.
type FileSyntaxError struct {
	File string `json:"file"`
	SyntaxError
}

// NewCheckReport builds the report of reports and of the files that could
// not be analysed (errs). It fails when a file could not be analysed or a
// finding reaches threshold (SeverityOff: never).
func NewCheckReport(reports []*Report, errs []FileError, threshold policy.Severity) *CheckReport {
	out := &CheckReport{Files: len(reports), FailOn: string(threshold), Failed: len(errs) > 0,
		Findings: []FileFinding{}, SyntaxErrors: []FileSyntaxError{}, Errors: errs,
		Counts: map[string]int{"high": 0, "medium": 0, "low": 0}}
	if threshold == policy.SeverityOff {
		out.FailOn = "never"
	}
	if out.Errors == nil {
		out.Errors = []FileError{}
	}
	for _, r := range reports {
		for _, f := range r.Findings {
			out.Counts[string(f.Severity)]++
			out.Findings = append(out.Findings, FileFinding{File: r.File, Match: f})
		}
		for _, s := range r.SyntaxErrors {
			out.SyntaxErrors = append(out.SyntaxErrors, FileSyntaxError{File: r.File, SyntaxError: s})
		}
		if len(r.Blocks(threshold)) > 0 {
			out.Failed = true
		}
	}
	return out
}
