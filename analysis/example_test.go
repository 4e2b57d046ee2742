package analysis_test

import (
	"context"
	"fmt"

	"github.com/cordonsec/cordon/analysis"
	"github.com/cordonsec/cordon/policy"
)

func ExampleAnalyze() {
	src := []byte("import os as o\nf = getattr(o, 'sys' + 'tem')\nf('id')\n")
	rep, err := analysis.Analyze(context.Background(), "job.py", src, analysis.Options{})
	if err != nil {
		panic(err)
	}
	for _, f := range rep.Blocks(policy.SeverityHigh) {
		fmt.Printf("%s:%d:%d %s %s %s\n", rep.File, f.Line, f.Column, f.Severity, f.Rule, f.Target)
	}
	// Output:
	// job.py:3:1 high CDN201 os.system
}
