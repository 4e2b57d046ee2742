package analysis

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/cordonsec/cordon/policy"
)

// expectHeader reads the `# expect: RULE[:SEVERITY]...` line of a bad
// vector. A severity after the rule id is the highest severity that rule
// must reach in the file, no more and no less.
func expectHeader(t *testing.T, src []byte) []string {
	sc := bufio.NewScanner(bytes.NewReader(src))
	for i := 0; sc.Scan() && i < 5; i++ {
		line := strings.TrimSpace(sc.Text())
		if rest, ok := strings.CutPrefix(line, "# expect:"); ok {
			return strings.Fields(rest)
		}
	}
	t.Fatal("bad vector without an `# expect:` header in its first lines")
	return nil
}

// TestVectors checks every testdata vector: good_*.py has no high finding,
// bad_*.py has exactly the rule ids its header names (each at least once,
// at the severity the header gives if it gives one, and no other rule at
// high severity).
func TestVectors(t *testing.T) {
	files, err := filepath.Glob("testdata/*.py")
	if err != nil || len(files) == 0 {
		t.Fatalf("no vectors: %v", err)
	}
	seenRules := map[string]bool{}
	var nbad, ngood, nbadOK, ngoodHigh int
	for _, file := range files {
		base := filepath.Base(file)
		t.Run(base, func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Analyze(context.Background(), file, src, Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]policy.Severity{}
			for _, f := range rep.Findings {
				if f.Severity.Rank() > got[f.Rule].Rank() {
					got[f.Rule] = f.Severity
				}
			}
			switch {
			case strings.HasPrefix(base, "good_"):
				ngood++
				if hi := rep.Blocks(policy.SeverityHigh); len(hi) > 0 {
					ngoodHigh++
					t.Errorf("clean vector has high findings: %+v", hi)
				}
			case strings.HasPrefix(base, "bad_"):
				nbad++
				wantSet := map[string]bool{}
				ok := true
				for _, w := range expectHeader(t, src) {
					id, sev, _ := strings.Cut(w, ":")
					seenRules[id] = true
					wantSet[id] = true
					switch g, found := got[id]; {
					case !found:
						ok = false
						t.Errorf("missing %s; findings: %s", id, summary(rep))
					case sev != "" && string(g) != sev:
						ok = false
						t.Errorf("%s at %s, want %s; findings: %s", id, g, sev, summary(rep))
					}
				}
				for _, f := range rep.Findings {
					if f.Severity == policy.SeverityHigh && !wantSet[f.Rule] {
						ok = false
						t.Errorf("unexpected high %s: %s (line %d)", f.Rule, f.Message, f.Line)
					}
				}
				if ok {
					nbadOK++
				}
			default:
				t.Fatalf("vector name must start with good_ or bad_")
			}
		})
	}
	t.Logf("recall: %d of %d bad vectors found with exactly their expected rules and severities; false alarms: %d of %d good vectors have a high finding", nbadOK, nbad, ngoodHigh, ngood)
	var missing []string
	for _, r := range rules {
		if !seenRules[r.ID] {
			missing = append(missing, r.ID)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("rules without a bad vector: %v", missing)
	}
}

func summary(rep *Report) string {
	var b strings.Builder
	for _, f := range rep.Findings {
		b.WriteString("\n  " + f.Rule + " " + string(f.Severity) + " " + f.Message)
	}
	return b.String()
}
