package policy

import (
	"strings"
	"testing"
	"time"
)

// TestHostileInputsBounded feeds inputs that are slow for naive parsers;
// each must be refused (or accepted) quickly. The bound is generous: it
// catches exponential blow-ups, not constant factors.
func TestHostileInputsBounded(t *testing.T) {
	inputs := map[string]string{
		"deep flow":     "limits: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000),
		"deep block":    strings.Repeat("a:\n ", 2000),
		"many keys":     strings.Repeat("x: 1\n", 100000),
		"long key":      strings.Repeat("k", MaxFileSize-10) + ": 1\n",
		"many domains":  "network:\n  domains: [" + strings.Repeat("a.example.com, ", 50000) + "]\n",
		"many env":      "environment:\n  set:\n" + strings.Repeat("    A: b\n", 50000),
		"many paths":    "filesystem:\n  deny: [" + strings.Repeat("/x, ", 100000) + "]\n",
		"ro times deny": "filesystem:\n  read_only: [" + strings.Repeat("/usr, ", 45000) + "]\n  deny: [" + strings.Repeat("/x, ", 45000) + "]\n  read_write: [" + strings.Repeat("/tmp, ", 5000) + "]\n",
	}
	for name, in := range inputs {
		if len(in) > MaxFileSize {
			in = in[:MaxFileSize]
		}
		start := time.Now()
		_, err := Parse("t.yaml", []byte(in))
		if d := time.Since(start); d > 20*time.Second {
			t.Errorf("%s: %v (err %v)", name, d, err != nil)
		} else {
			t.Logf("%s: %v", name, d)
		}
	}
}

func BenchmarkParseTemplate(b *testing.B) {
	data := Template()
	for b.Loop() {
		if _, err := Parse("t.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDomainMatcher(b *testing.B) {
	m, _ := NewDomainMatcher([]string{"api.example.com", "*.pythonhosted.org", "pypi.org"}, []int{443})
	for b.Loop() {
		m.Allow("files.pythonhosted.org", 443)
	}
}
