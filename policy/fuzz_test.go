package policy

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzParse: Parse never panics, never hangs (alias bombs and the like:
// the bound is a hang guard, far above any real parse even under -race on
// a loaded machine, not a speed assertion), gives every error a position,
// and a valid policy rendered by YAML parses back to the same Hash.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil && len(data) < 4096 {
			f.Add(data)
		}
	}
	f.Add(Template())
	f.Add([]byte("limits: {memory: 1GiB, cpu_time: 1s}\nnetwork: {mode: allowlist, domains: ['*.Example.COM.:443'], cidrs: ['::ffff:10.0.0.0/104']}\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("limits: !!binary aGVsbG8=\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		p, err := Parse("fuzz.yaml", data)
		if d := time.Since(start); d > 30*time.Second {
			t.Errorf("Parse took %v", d)
		}
		if err != nil {
			var es Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("error is not Errors: %T %v", err, err)
			}
			for _, e := range es {
				if e.Line < 1 || e.Column < 1 || e.File == "" {
					t.Errorf("error without a position: %#v", e)
				}
			}
			return
		}
		out := p.YAML()
		q, err := Parse("fuzz.yaml", out)
		if err != nil {
			t.Fatalf("rendered policy does not parse: %v\n%s", err, out)
		}
		if p.Hash() != q.Hash() {
			t.Fatalf("hash changed through YAML:\n%s\nvs\n%s", p.JSON(), q.JSON())
		}
	})
}
