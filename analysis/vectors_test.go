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

// expectHeader reads the `# expect: RULE...` line of a bad vector.
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
// and no other rule at high severity).
func TestVectors(t *testing.T) {
	files, err := filepath.Glob("testdata/*.py")
	if err != nil || len(files) == 0 {
		t.Fatalf("no vectors: %v", err)
	}
	seenRules := map[string]bool{}
	var nbad, ngood int
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
			got := map[string]bool{}
			for _, f := range rep.Findings {
				got[f.Rule] = true
			}
			switch {
			case strings.HasPrefix(base, "good_"):
				ngood++
				if hi := rep.Blocks(policy.SeverityHigh); len(hi) > 0 {
					t.Errorf("clean vector has high findings: %+v", hi)
				}
			case strings.HasPrefix(base, "bad_"):
				nbad++
				want := expectHeader(t, src)
				for _, w := range want {
					seenRules[w] = true
					if !got[w] {
						t.Errorf("missing %s; findings: %s", w, summary(rep))
					}
				}
				wantSet := map[string]bool{}
				for _, w := range want {
					wantSet[w] = true
				}
				for _, f := range rep.Findings {
					if f.Severity == policy.SeverityHigh && !wantSet[f.Rule] {
						t.Errorf("unexpected high %s: %s (line %d)", f.Rule, f.Message, f.Line)
					}
				}
			default:
				t.Fatalf("vector name must start with good_ or bad_")
			}
		})
	}
	t.Logf("%d bad, %d good vectors", nbad, ngood)
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
