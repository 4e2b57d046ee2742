package escape

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/cordonsec/cordon"
)

// TestNoExecFromWritable: nothing the script can write can be executed —
// not the work dir, /tmp, /dev/shm or a read_write folder (directly or
// through ld.so, which maps the file executable), and not a memfd.
func TestNoExecFromWritable(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skipf("exec_writable.py carries x86_64 syscall numbers; this is %s", runtime.GOARCH)
	}
	for _, m := range bothModes() {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			needMode(t, m)
			d := newRunDir(t, m)
			rw, err := os.MkdirTemp("/var/tmp", "cordon-exec-")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.RemoveAll(rw) })
			chownTo(t, m, rw)
			if err := os.Chmod(rw, 0o777); err != nil { // the sandbox's host uid is not root's
				t.Fatal(err)
			}
			yaml := "runtime:\n  interpreter: /usr/bin/python3\nfilesystem:\n  read_write: [" + rw + "]\n"
			o := run(t, m, d, spec{script: "exec_writable.py", yaml: yaml,
				args: []string{"/work", "/tmp", "/dev/shm", rw}, limits: map[string]string{"wall_time": "60s"}})
			if !strings.Contains(o.res.Stdout, "DONE") {
				t.Fatalf("the probe did not reach its end: %s", o)
			}
			if o.res.Status != cordon.StatusOK {
				t.Errorf("status %s, want ok\n%s", o.res.Status, o)
			}
			for _, line := range strings.Split(o.res.Stdout, "\n") {
				if strings.HasPrefix(line, "ESCAPED") || strings.HasPrefix(line, "SKIP") {
					t.Errorf("%s", line)
				}
			}
			if ents, _ := os.ReadDir(rw); len(ents) > 0 {
				t.Errorf("the probe left %s in the read_write folder", filepath.Join(rw, ents[0].Name()))
			}
		})
	}
}
