package host

import (
	"os/exec"
	"strings"
	"testing"
)

// forbiddenImports are kept off the sandbox's hot path: host and interp
// run before every sandboxed script starts.
var forbiddenImports = []string{
	"net/http", "go.yaml.in/yaml", "gopkg.in/yaml", "github.com/tree-sitter",
	"github.com/prometheus",
}

func goListDeps(t *testing.T, pkg string) map[string]bool {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go tool on PATH")
	}
	out, err := exec.Command("go", "list", "-deps", pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	deps := map[string]bool{}
	for _, l := range strings.Fields(string(out)) {
		deps[l] = true
	}
	return deps
}

// TestImports: interp imports none of the heavy packages, and host adds
// none beyond what package policy (the model every layer shares) brings.
func TestImports(t *testing.T) {
	const mod = "github.com/cordonsec/cordon/"
	policyDeps := goListDeps(t, mod+"policy")
	for _, pkg := range []string{"interp", "host"} {
		for dep := range goListDeps(t, mod+pkg) {
			for _, f := range forbiddenImports {
				if strings.HasPrefix(dep, f) {
					if pkg == "host" && policyDeps[dep] {
						t.Logf("host imports %s only through package policy", dep)
						continue
					}
					t.Errorf("%s depends on %s", pkg, dep)
				}
			}
		}
	}
}
