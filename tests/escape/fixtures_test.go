package escape

import (
	"net"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
)

// marker is a host process the test starts with a unique argv[0], owned by
// the invoking user, that an attack must neither see nor kill.
type marker struct {
	pid int
	tag string
}

func startMarker(t *testing.T, m mode) marker {
	t.Helper()
	tag := "cordon-marker-" + newToken()
	cmd := &exec.Cmd{
		Path:        "/bin/sleep",
		Args:        []string{tag, "600"},
		SysProcAttr: &syscall.SysProcAttr{Credential: m.cred()},
	}
	if err := startChild(cmd); err != nil {
		t.Fatalf("starting marker: %v", err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		forgetChild(pid)
	})
	return marker{pid: pid, tag: tag}
}

// alive reports whether the marker still runs (a killed, unreaped marker
// is a zombie with an empty command line).
func (mk marker) alive() bool {
	p, ok := readProc(mk.pid)
	return ok && strings.Contains(p.cmdline, mk.tag)
}

// listener is a TCP service on the host's 127.0.0.1 and an abstract unix
// socket, counting connections; an attack must reach neither.
type listener struct {
	port     int
	abstract string
	accepted atomic.Int64
}

func startListener(t *testing.T) *listener {
	t.Helper()
	l := &listener{abstract: "cordon-escape-" + newToken()}
	tl, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen on loopback: %v", err)
	}
	ul, err := net.Listen("unix", "@"+l.abstract)
	if err != nil {
		tl.Close()
		t.Fatalf("listen on abstract socket: %v", err)
	}
	l.port = tl.Addr().(*net.TCPAddr).Port
	for _, ln := range []net.Listener{tl, ul} {
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				l.accepted.Add(1)
				c.Close()
			}
		}()
	}
	t.Cleanup(func() { tl.Close(); ul.Close() })
	return l
}
