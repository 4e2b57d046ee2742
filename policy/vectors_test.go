package policy

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestVectors loads every testdata/good_*.yaml and bad_*.yaml and checks
// the errors against the file's "# expect:" header: "valid", or one line
// per error "LINE:COL FIELD [FILE]" (FIELD "-" for none; FILE when the
// error is in another file of the extends chain).
func TestVectors(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.yaml")
	n := 0
	for _, f := range files {
		base := filepath.Base(f)
		if !strings.HasPrefix(base, "good_") && !strings.HasPrefix(base, "bad_") {
			continue
		}
		n++
		t.Run(base, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			valid := false
			for _, line := range strings.Split(string(data), "\n") {
				e, ok := strings.CutPrefix(line, "# expect: ")
				if !ok {
					continue
				}
				if e == "valid" {
					valid = true
					continue
				}
				parts := strings.Fields(e)
				if len(parts) == 2 {
					parts = append(parts, base)
				}
				want = append(want, strings.Join(parts, " "))
			}
			if !valid && len(want) == 0 {
				t.Fatal("no # expect: header")
			}
			p, err := Load(f)
			if valid {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				if h := p.Hash(); h == "" {
					t.Fatal("no hash")
				}
				return
			}
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("want Errors, got %T %v", err, err)
			}
			var got []string
			for _, e := range es {
				field := e.Field
				if field == "" {
					field = "-"
				}
				got = append(got, fmt.Sprintf("%d:%d %s %s", e.Line, e.Column, field, filepath.Base(e.File)))
			}
			if !slices.Equal(got, want) {
				t.Errorf("errors:\n%v\ngot  %q\nwant %q", err, got, want)
			}
		})
	}
	if n < 10 {
		t.Fatalf("only %d vectors", n)
	}
}
