package analysis

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestCollectAndAnalyzeFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.py", "import os\nos.system(x)\n")
	write("tool", "#!/usr/bin/env python3\nprint(1)\n")
	write("notes.txt", "os.system(x)\n")
	write(".git/hook.py", "print(1)\n")
	write("pkg/__pycache__/c.py", "print(1)\n")
	write("pkg/b.pyw", "print(2)\n")
	files, errs := CollectPython([]string{dir, filepath.Join(dir, "notes.txt"), filepath.Join(dir, "missing.py")})
	want := []string{filepath.Join(dir, "a.py"), filepath.Join(dir, "pkg/b.pyw"), filepath.Join(dir, "tool"), filepath.Join(dir, "notes.txt")}
	if !slices.Equal(files, want) {
		t.Errorf("files %q, want %q", files, want)
	}
	if len(errs) != 1 || errs[0].File != filepath.Join(dir, "missing.py") {
		t.Errorf("errors %+v, want one for missing.py", errs)
	}
	reports, ferrs := AnalyzeFiles(context.Background(), append(files, filepath.Join(dir, "gone.py")), 2, Options{})
	if len(reports) != len(files) || len(ferrs) != 1 {
		t.Fatalf("%d reports and errors %+v, want %d and one", len(reports), ferrs, len(files))
	}
	for i, r := range reports {
		if r.File != files[i] {
			t.Errorf("report %d is %s, want %s (order of files)", i, r.File, files[i])
		}
	}
	if len(reports[0].Findings) == 0 {
		t.Errorf("no finding on os.system(x)")
	}
}
