package policy

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps the policy package light: the sandbox supervisor
// imports it, so it must not pull in HTTP, Prometheus, tree-sitter or cgo,
// nor another Cordon package but the leaf vocabulary of layer names.
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Skipf("go list unavailable: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"net/http", "prometheus", "tree-sitter", "runtime/cgo", "github.com/cordonsec/cordon/"} {
			if strings.Contains(dep, banned) && dep != "github.com/cordonsec/cordon/policy" && dep != "github.com/cordonsec/cordon/layers" {
				t.Errorf("policy depends on %s", dep)
			}
		}
	}
}
