package policy

import "testing"

func TestMatchOutput(t *testing.T) {
	for _, c := range []struct {
		pat, rel string
		want     bool
	}{
		{"*.csv", "a.csv", true},
		{"*.csv", "out/a.csv", false},
		{"out/*.csv", "out/a.csv", true},
		{"out/**", "out/a.csv", true},
		{"out/**", "out/x/y/a.csv", true},
		{"out/**", "out", false},
		{"out/**", "outer/a", false},
		{"**/*.json", "a.json", true},
		{"**/*.json", "x/y/a.json", true},
		{"**/*.json", "x/y/a.csv", false},
		{"**", "a/b", true},
		{"report.pdf", "report.pdf", true},
		{"report.pdf", "x/report.pdf", false},
		{"a/**/b/*.txt", "a/b/c.txt", true},
		{"a/**/b/*.txt", "a/x/y/b/c.txt", true},
		{"[", "[", false},
	} {
		if got := MatchOutput(c.pat, c.rel); got != c.want {
			t.Errorf("MatchOutput(%q, %q) = %v, want %v", c.pat, c.rel, got, c.want)
		}
	}
	for _, bad := range []string{"", "/abs", "a//b", "../x", "a/./b", "a**", "[", "x/**y"} {
		if CheckOutputPattern(bad) == nil {
			t.Errorf("CheckOutputPattern(%q) accepted", bad)
		}
	}
	for _, good := range []string{"*.csv", "out/**", "**/*.json", "a/b[0-9].txt"} {
		if err := CheckOutputPattern(good); err != nil {
			t.Errorf("CheckOutputPattern(%q): %v", good, err)
		}
	}
}
