package sandbox

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps this package and its layers (seccomp, landlock,
// cgroup) — the supervisor and the stage-2 init that starts on every run —
// and the init binary cmd/cordon-init (what actually runs as the init when
// it is installed beside cordon) free of heavy imports and of cgo (like
// tailscale's deps_test.go). Without cordon-init the full binary is
// re-executed and every package init of it runs first.
func TestDependencies(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not on PATH")
	}
	cmd := exec.Command(goTool, "list", "-deps", "-f", "{{.ImportPath}} {{len .CgoFiles}}", "./...", "github.com/cordonsec/cordon/cmd/cordon-init")
	cmd.Env = append(cmd.Environ(), "CGO_ENABLED=1", "GOOS=linux")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	banned := []string{"net/http", "go.yaml.in/", "gopkg.in/yaml", "github.com/tree-sitter/",
		"github.com/prometheus/", "runtime/cgo", "kernel.org/pub/linux/libs/security/libcap/psx"}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, cgo, _ := strings.Cut(line, " ")
		for _, b := range banned {
			if pkg == strings.TrimSuffix(b, "/") || strings.HasPrefix(pkg, b) {
				t.Errorf("imports %s", pkg)
			}
		}
		if cgo != "0" {
			t.Errorf("%s uses cgo", pkg)
		}
	}
}
