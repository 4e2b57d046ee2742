package analysis

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzAnalyze: any input gets a report (never a panic or an error), in
// bounded time, with findings inside the file.
func FuzzAnalyze(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.py")
	for _, p := range files {
		if src, err := os.ReadFile(p); err == nil && len(src) < 64<<10 {
			f.Add(src)
		}
	}
	for _, s := range []string{"", "\xef\xbb\xbf", "# coding: latin-1\nx='\xe9'", "exec(", "f'{", "'''", "\\\n", "if x:\n\tif y:\n  z", "\x00", "lambda: (yield)", "match x:\n case {**r}: pass", "def f[T: int](): pass"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		start := time.Now()
		rep, err := Analyze(context.Background(), "fuzz.py", src, Options{Timeout: 5 * time.Second})
		if err != nil {
			t.Fatalf("Analyze: %v", err)
		}
		if d := time.Since(start); d > 20*time.Second {
			t.Fatalf("took %v", d)
		}
		if rep.TimedOut || rep.Truncated || len(rep.Findings) > 0 && rep.Findings[0].Rule == "CDN003" {
			return
		}
		checkPositions(t, src, rep)
	})
}
