package layers

import (
	"os/exec"
	"strings"
	"testing"
)

func TestAll(t *testing.T) {
	seen := map[Name]bool{}
	for _, l := range All {
		if seen[l] || !Known(l) {
			t.Errorf("%s: twice or unknown", l)
		}
		seen[l] = true
	}
	if Known("uts") || Known("") {
		t.Error("Known accepts a name that is no layer")
	}
}

// TestLeaf: the sandbox's stage-2 init imports this package, so it
// imports nothing but the standard library's smallest parts.
func TestLeaf(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{join .Imports \" \"}}", ".").CombinedOutput()
	if err != nil {
		t.Skipf("go list unavailable: %v\n%s", err, out)
	}
	if imps := strings.TrimSpace(string(out)); imps != "" {
		t.Errorf("imports %s", imps)
	}
}
