//go:build linux

package cordon

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/cordonsec/cordon/egress"
	"github.com/cordonsec/cordon/policy"
)

func TestAllowlistSmoke(t *testing.T) {
	needPython(t)
	l, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from %s", r.Host)
	}))
	srv.Listener = l
	srv.Start()
	defer srv.Close()
	port := l.Addr().(*net.TCPAddr).Port
	ex, err := NewExecutor(Options{Resolver: egress.StaticResolver{
		"api.test": {netip.MustParseAddr("127.0.0.2")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	p := testPolicy()
	p.Network.Mode = policy.NetworkAllowlist
	p.Network.Domains = []string{"api.test"}
	p.Network.Ports = []int{port}
	p.Network.CIDRs = []string{"127.0.0.2/32"}
	src := fmt.Sprintf(`
import urllib.request, urllib.error
print(urllib.request.urlopen("http://api.test:%d/x", timeout=5).read().decode())
try:
    urllib.request.urlopen("http://refused.test:%d/", timeout=5)
except urllib.error.HTTPError as e:
    print("refused", e.code, e.headers.get("X-Cordon-Refused"))
`, port, port)
	res, err := ex.Run(context.Background(), Job{Source: []byte(src), Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s wall %d %q %q %+v", res.Status, res.Usage.WallMS, res.Stdout, res.Stderr, res.Events)
	if !strings.Contains(res.Stdout, fmt.Sprintf("hello from api.test:%d", port)) {
		t.Errorf("no answer through the proxy: %q", res.Stdout)
	}
}
