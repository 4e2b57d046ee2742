package cordon

import (
	"context"
	"fmt"
	"path/filepath"

	pyanalysis "github.com/cordonsec/cordon/analysis"
	"github.com/cordonsec/cordon/policy"
)

// analyzeScript is the default analysis stage: it reads a Python input
// (the script, or a --file the script may import) the way Python will
// (package analysis) and blocks the run when a finding reaches the
// policy's block threshold, after the policy's per-rule waivers. name is
// the input's path as the caller gave it.
func analyzeScript(ctx context.Context, name string, script []byte, pol *policy.Policy) ([]Finding, bool, error) {
	rep, err := pyanalysis.Analyze(ctx, name, script, pyanalysis.Options{
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
