package analysis

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/cordonsec/cordon/policy"
)

// TestBenignCorpus analyses every program in testdata/benign — ordinary
// scripts people run (CLI tools, data pipelines, scrapers with a timeout,
// test files, backup tools) including the near misses that must stay quiet
// (prose about eval in docstrings, "rm -rf /" in help text, SQL text used
// with parameters) — and fails on any finding at high severity or at the
// default policy's block threshold. Medium and low findings are allowed and
// only counted, so that a change in their numbers shows in the log.
func TestBenignCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/benign/*.py")
	if err != nil || len(files) == 0 {
		t.Fatalf("no benign programs in testdata/benign: %v", err)
	}
	threshold := policy.Default().Analysis.Block
	if threshold.Rank() <= 0 || threshold.Rank() > policy.SeverityHigh.Rank() {
		threshold = policy.SeverityHigh
	}
	counts := make([]map[string]int, len(files)) // file -> rule+severity -> n
	t.Run("files", func(t *testing.T) {
		for i, file := range files {
			t.Run(filepath.Base(file), func(t *testing.T) {
				t.Parallel()
				src, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				rep, err := Analyze(context.Background(), file, src, Options{})
				if err != nil {
					t.Fatal(err)
				}
				if len(rep.SyntaxErrors) > 0 {
					t.Errorf("benign program does not parse: %+v", rep.SyntaxErrors)
				}
				for _, f := range rep.Blocks(threshold) {
					t.Errorf("%s:%d:%d: %s %s (%s): %s\n    %s",
						file, f.Line, f.Column, f.Rule, f.Severity, f.Target, f.Message, f.Snippet)
				}
				c := map[string]int{}
				for _, f := range rep.Findings {
					c[string(f.Severity)+" "+f.Rule]++
				}
				counts[i] = c
			})
		}
	})
	total := map[string]int{}
	for _, c := range counts {
		for k, n := range c {
			total[k] += n
		}
	}
	var keys []string
	bySev := map[string]int{}
	for k, n := range total {
		keys = append(keys, k)
		bySev[strings.Fields(k)[0]] += n
	}
	sort.Strings(keys)
	t.Logf("%d benign programs: %d high, %d medium, %d low findings",
		len(files), bySev["high"], bySev["medium"], bySev["low"])
	for _, k := range keys {
		t.Logf("  %-14s %d", k, total[k])
	}
}
