package cordon

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/cordonsec/cordon/analysis"
	"github.com/cordonsec/cordon/policy"
)

// analyzer is the analysis layer's seam: it returns the findings on one
// Python input (the script, or a --file ending in .py or .pyw, named as
// the caller gave it) and whether they block the run (status rejected).
// Every Python input is analysed; any one blocking rejects the run.
type analyzer interface {
	analyze(ctx context.Context, name string, src []byte, pol *policy.Policy) (findings []Finding, block bool, err error)
}

// pythonAnalyzer is the default analyzer: it reads a Python input the way
// Python will (package analysis) and blocks the run when a finding
// reaches the policy's block threshold, after the policy's per-rule
// waivers.
type pythonAnalyzer struct{}

func (pythonAnalyzer) analyze(ctx context.Context, name string, script []byte, pol *policy.Policy) ([]Finding, bool, error) {
	rep, err := analysis.Analyze(ctx, name, script, analysis.Options{
		// Past the bytes the executor reads, the tail would go unread:
		// the analyzer then reports the file as unanalysable (fail closed).
		MaxBytes: maxAnalyzed - 1,
		Allow:    pol.Analysis.Allow,
	})
	if err != nil {
		return nil, false, fmt.Errorf("analysing %s: %w", filepath.Base(name), err)
	}
	findings := make([]Finding, 0, len(rep.Findings))
	for _, f := range rep.Findings {
		findings = append(findings, Finding{
			File: rep.File, Rule: f.Rule, Severity: string(f.Severity),
			Confidence: f.Confidence, Category: f.Category,
			Line: f.Line, Column: f.Column, Message: f.Message, Snippet: f.Snippet,
		})
	}
	return findings, len(rep.Blocks(pol.Analysis.Block)) > 0, nil
}
