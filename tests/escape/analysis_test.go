package escape

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cordonsec/cordon"
)

// TestAnalysisCoversHelpers: a payload moved out of the script into a
// --file helper it imports is analysed like the script: the run is
// rejected before anything runs, and the finding names the helper. A
// helper that is not Python (data.txt) is not analysed.
func TestAnalysisCoversHelpers(t *testing.T) {
	for _, m := range bothModes() {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			needMode(t, m)
			d := newRunDir(t, m)
			helper := filepath.Join(d.cwd, "helper.py")
			// print('PWNED'), decoded and executed.
			payload := "import base64\nexec(base64.b64decode('cHJpbnQoJ1BXTkVEJyk='))\n"
			data := filepath.Join(d.cwd, "data.txt")
			for p, body := range map[string]string{helper: payload, data: payload} {
				if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
					t.Fatal(err)
				}
				chownTo(t, m, p)
			}
			pol := "audit:\n  enabled: false\nanalysis:\n  block: high\n"
			if !m.root() {
				pol += "isolation:\n  allow_degraded: [cgroup]\n"
			}
			o := run(t, m, d, spec{script: "uses_helper.py", source: "import helper\nprint('DONE')\n",
				policy: pol, files: []string{helper, data}})
			if o.res.Status != cordon.StatusRejected || strings.Contains(o.res.Stdout, "PWNED") {
				t.Fatalf("ESCAPE: the helper's payload was not stopped by analysis: %s", o)
			}
			var inHelper bool
			for _, f := range o.res.Findings {
				if strings.HasSuffix(f.File, "helper.py") {
					inHelper = true
				}
				if strings.HasSuffix(f.File, "data.txt") {
					t.Errorf("a non-Python input was analysed: %+v", f)
				}
			}
			if !inHelper || !strings.Contains(o.res.Error, "helper.py") {
				t.Errorf("the rejection does not name the helper: error %q findings %+v", o.res.Error, o.res.Findings)
			}
		})
	}
}
