package escape

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cordonsec/cordon"
)

// TestPerUserLimitsNotShared: a sandbox that takes every inotify instance
// it can (a per-user limit, 128 by default) takes none from host root, and
// as root none from a concurrent sandbox either: the kernel charges them
// to the uid that created the sandbox's user namespace, which for root is
// a host uid leased per run. (An unprivileged invoker has one uid: its
// sandboxes share its own limits, which docs/sandbox.md states.)
func TestPerUserLimitsNotShared(t *testing.T) {
	for _, m := range bothModes() {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			needMode(t, m)
			d := newRunDir(t, m)
			held := make(chan struct{})
			var second *outcome
			var wg sync.WaitGroup
			o := run(t, m, d, spec{script: "inotify_hog.py", args: []string{"6"}, limits: map[string]string{"wall_time": "30s"},
				during: func(done <-chan struct{}) {
					for heldInotify(d.token) < 100 {
						select {
						case <-done:
							return
						case <-time.After(50 * time.Millisecond):
						}
					}
					close(held)
					if fd, err := unix.InotifyInit1(unix.IN_CLOEXEC); err != nil {
						t.Errorf("ESCAPE: host root cannot create an inotify instance while a sandbox holds its own: %v", err)
					} else {
						unix.Close(fd)
					}
					if m.root() {
						wg.Add(1)
						go func() {
							defer wg.Done()
							d2 := newRunDir(t, m)
							second = run(t, m, d2, spec{script: "inotify_hog.py", args: []string{"0"}})
						}()
						wg.Wait()
					}
				}})
			select {
			case <-held:
			default:
				t.Fatalf("the hog never reported: %s", o)
			}
			if o.res.Status != cordon.StatusOK {
				t.Errorf("status %s\n%s", o.res.Status, o)
			}
			if second != nil {
				var n int
				fmt.Sscanf(second.res.Stdout, "HELD %d", &n)
				if n < 64 {
					t.Errorf("a concurrent sandbox got %d inotify instances: the first one's took its share\n%s", n, second)
				}
			}
		})
	}
}

// heldInotify is the most inotify instances one process of the run holds,
// seen from the host.
func heldInotify(token string) int {
	most := 0
	for _, p := range procsWithToken(token) {
		if strings.Contains(p.cmdline, " run --policy ") {
			continue
		}
		ents, _ := os.ReadDir("/proc/" + strconv.Itoa(p.pid) + "/fd")
		n := 0
		for _, e := range ents {
			if l, _ := os.Readlink("/proc/" + strconv.Itoa(p.pid) + "/fd/" + e.Name()); l == "anon_inode:inotify" {
				n++
			}
		}
		most = max(most, n)
	}
	return most
}
