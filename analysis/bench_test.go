package analysis

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkAnalyzeStdlib analyses the interpreter's standard library files
// (the same corpus bench/check.sh uses); b.SetBytes makes -bench report MB/s.
func BenchmarkAnalyzeStdlib(b *testing.B) {
	files, _ := filepath.Glob("/usr/lib/python3*/*.py")
	if len(files) == 0 {
		b.Skip("no Python standard library under /usr/lib to analyse")
	}
	var srcs [][]byte
	var total int64
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		srcs = append(srcs, src)
		total += int64(len(src))
	}
	b.SetBytes(total)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j, src := range srcs {
			if _, err := Analyze(context.Background(), files[j], src, Options{}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(srcs))*float64(b.N)/b.Elapsed().Seconds(), "files/s")
}
