//go:build linux

package cordon

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/cordonsec/cordon/egress"
	"github.com/cordonsec/cordon/policy"
)

// TestAllowlistSmoke: a script fetches through the proxy, in a sandbox
// built for its job (Run) and in one built beforehand (Prepare, then Run:
// the proxy's socket waits in the prepared sandbox until hand-over).
func TestAllowlistSmoke(t *testing.T) {
	needPython(t)
	ex, p, port := allowlistRig(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from %s", r.Host)
	})
	src := fmt.Sprintf(`
import urllib.request, urllib.error
print(urllib.request.urlopen("http://api.test:%d/x", timeout=5).read().decode())
try:
    urllib.request.urlopen("http://refused.test:%d/", timeout=5)
except urllib.error.HTTPError as e:
    print("refused", e.code, e.headers.get("X-Cordon-Refused"))
`, port, port)
	check := func(name string, res Result, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := fmt.Sprintf("hello from api.test:%d\nrefused 403 domain-not-allowed\n", port)
		if res.Status != StatusOK || res.Stdout != want {
			t.Errorf("%s: %s %q (stderr %q), want ok %q", name, res.Status, res.Stdout, res.Stderr, want)
		}
		// An allowed connection's event comes when it ends, which may
		// be after the next attempt's refusal: compare as a set.
		var kinds []string
		for _, ev := range res.Events {
			kinds = append(kinds, string(ev.Type))
		}
		slices.Sort(kinds)
		if got := strings.Join(kinds, " "); got != "network-connection network-refused network-summary" {
			t.Errorf("%s: events %q", name, got)
		}
		if res.Layers[policy.LayerNetwork] != LayerActive || res.Layers[policy.LayerNetNS] != LayerActive {
			t.Errorf("%s: layers %v", name, res.Layers)
		}
	}
	res, err := ex.Run(context.Background(), Job{Source: []byte(src), Policy: p})
	check("run", res, err)
	prep, err := ex.Prepare(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	res, err = prep.Run(context.Background(), Job{Source: []byte(src), Policy: p})
	check("prepared", res, err)
}

// TestAllowlistEventsSurviveFlood: refusals are capped in the record, but
// an allowed connection after a flood of them is still there, and the
// summary counts every refusal by reason.
func TestAllowlistEventsSurviveFlood(t *testing.T) {
	needPython(t)
	ex, p, port := allowlistRig(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "ok")
	})
	const flood = maxRefusedEvents + 40
	src := fmt.Sprintf(`
import socket
for i in range(%d):
    s = socket.create_connection(("127.0.0.1", 3128))
    s.sendall(b"GET http://nope.test/ HTTP/1.1\r\nHost: nope.test\r\n\r\n")
    while s.recv(4096): pass
    s.close()
import urllib.request
print(urllib.request.urlopen("http://api.test:%d/", timeout=5).read().decode())
`, flood, port)
	res, err := ex.Run(context.Background(), Job{Source: []byte(src), Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusOK || res.Stdout != "ok\n" {
		t.Fatalf("%s %q %q", res.Status, res.Stdout, res.Stderr)
	}
	var refused, allowed int
	var summary Event
	for _, ev := range res.Events {
		switch ev.Type {
		case "network-refused":
			refused++
		case "network-connection":
			allowed++
		case "network-summary":
			summary = ev
		}
	}
	if refused != maxRefusedEvents || allowed != 1 {
		t.Errorf("%d refused and %d allowed events kept, want %d and 1", refused, allowed, maxRefusedEvents)
	}
	by, _ := summary.Detail["refused_by_reason"].(map[string]int)
	if summary.Detail["refused"] != flood || by["domain-not-allowed"] != flood {
		t.Errorf("summary %v, want %d refusals by domain-not-allowed", summary.Detail, flood)
	}
}

// allowlistRig serves h on 127.0.0.2 and returns an executor that
// resolves api.test there and a policy of mode allowlist allowing exactly
// api.test on that port.
func allowlistRig(t *testing.T, h http.HandlerFunc) (*Executor, *policy.Policy, int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	port := l.Addr().(*net.TCPAddr).Port
	ex, err := NewExecutor(Options{Resolver: egress.StaticResolver{"api.test": {netip.MustParseAddr("127.0.0.2")}}})
	if err != nil {
		t.Fatal(err)
	}
	p := testPolicy()
	p.Network.Mode = policy.NetworkAllowlist
	p.Network.Domains = []string{"api.test"}
	p.Network.Ports = []int{port}
	p.Network.CIDRs = []string{"127.0.0.2/32"}
	return ex, p, port
}
