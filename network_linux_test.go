//go:build linux

package cordon

// End-to-end tests of network mode allowlist from inside the sandbox: real
// Python scripts reach (or fail to reach) servers this test runs, through
// the egress proxy, with names pinned by Options.Resolver — every case at
// once, the per-run limits, a prepared sandbox, and a flood of refusals.
//
// Rules of this file: every server listens on 127.0.0.2 or 127.0.0.3, every
// test name resolves to one of those, and the policy's cidrs allow only
// 127.0.0.2/32, so nothing is ever sent to an address outside loopback,
// not even an address a test expects to be refused.

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cordonsec/cordon/audit"
	"github.com/cordonsec/cordon/egress"
	"github.com/cordonsec/cordon/internal/testpki"
	"github.com/cordonsec/cordon/policy"
)

// netNames pins the test domains for the proxy.
var netNames = egress.StaticResolver{
	"api.test":      {netip.MustParseAddr("127.0.0.2")},
	"other.test":    {netip.MustParseAddr("127.0.0.2")},
	"wild.test":     {netip.MustParseAddr("127.0.0.2")},
	"a.wild.test":   {netip.MustParseAddr("127.0.0.2")},
	"xwild.test":    {netip.MustParseAddr("127.0.0.2")},
	"private.test":  {netip.MustParseAddr("127.0.0.3")},
	"refused.test":  {netip.MustParseAddr("127.0.0.2")},
	"refused2.test": {netip.MustParseAddr("127.0.0.2")},
}

// countingListener counts the connections a test server accepted.
type countingListener struct {
	net.Listener
	n atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

// netServer is one HTTP (or HTTPS) server on a loopback address.
type netServer struct {
	l    *countingListener
	port int
	// handshakes counts completed TLS handshakes (HTTPS only).
	handshakes atomic.Int64
}

func startNetServer(t *testing.T, ip string, tlsCert *tls.Certificate) *netServer {
	t.Helper()
	ln, err := net.Listen("tcp4", ip+":0")
	if err != nil {
		t.Fatalf("listen on %s: %v", ip, err)
	}
	s := &netServer{l: &countingListener{Listener: ln}, port: ln.Addr().(*net.TCPAddr).Port}
	mux := http.NewServeMux()
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		chunk := strings.Repeat("b", 64<<10)
		for range 16 { // 1 MiB
			if _, err := fmt.Fprint(w, chunk); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		// Headers and a first chunk, then silence until the client or the
		// proxy gives up.
		fmt.Fprint(w, "first chunk\n")
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s %s", r.Host, r.URL.Path)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	var l net.Listener = s.l
	if tlsCert != nil {
		cfg := &tls.Config{Certificates: []tls.Certificate{*tlsCert},
			VerifyConnection: func(tls.ConnectionState) error { s.handshakes.Add(1); return nil }}
		l = tls.NewListener(s.l, cfg)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { srv.Close() })
	return s
}

// testCA writes a CA certificate to dir/ca.pem and returns a server
// certificate it signed for names (and 127.0.0.2).
func testCA(t *testing.T, dir string, names ...string) (tls.Certificate, string) {
	t.Helper()
	cert, caPEM, err := testpki.Server(names, net.ParseIP("127.0.0.2"))
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, caPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	return cert, caFile
}

// netEvents are a run's network events by type.
func netEvents(res *Result) (conns, refused []Event, summary *Event) {
	for i, e := range res.Events {
		switch e.Type {
		case "network-connection":
			conns = append(conns, e)
		case "network-refused":
			refused = append(refused, e)
		case "network-summary":
			summary = &res.Events[i]
		}
	}
	return conns, refused, summary
}

// detail is one field of an event's detail as text ("" when absent).
func detail(e Event, k string) string {
	v, ok := e.Detail[k]
	if !ok {
		return ""
	}
	return fmt.Sprint(v)
}

// findNetEvent is the first network event for host:port (of either type).
func findNetEvent(res *Result, host string, port int) (Event, bool) {
	for _, e := range res.Events {
		if (e.Type == "network-connection" || e.Type == "network-refused") &&
			detail(e, "host") == host && detail(e, "port") == fmt.Sprint(port) {
			return e, true
		}
	}
	return Event{}, false
}

// e2eScript does one attempt per case and prints "CASE name: outcome".
// Arguments: http port, https port, other port (refused), private port.
const e2eScript = `
import socket, ssl, sys, urllib.request, urllib.error
hp, tp, op, pp = (int(a) for a in sys.argv[1:5])
ctx = ssl.create_default_context(cafile="ca.pem")

def get(name, url, **kw):
    try:
        with urllib.request.urlopen(url, timeout=10, **kw) as r:
            print("CASE %s: ok %d %s" % (name, r.status, r.read().decode()))
    except urllib.error.HTTPError as e:
        print("CASE %s: http %d %s %s" % (name, e.code, e.headers.get("X-Cordon-Refused"), e.read().decode().strip()))
    except Exception as e:
        print("CASE %s: error %s %s" % (name, e.__class__.__name__, e))

get("http", "http://api.test:%d/plain" % hp)
get("https", "https://api.test:%d/secure" % tp, context=ctx)
get("refused", "http://refused.test:%d/" % hp)
get("refused-tls", "https://refused2.test:%d/" % tp, context=ctx)
get("wild-sub", "http://a.wild.test:%d/w" % hp)
get("wild-apex", "http://wild.test:%d/" % hp)
get("wild-suffix", "http://xwild.test:%d/" % hp)
get("port", "http://api.test:%d/" % op)
get("private", "http://private.test:%d/" % pp)
get("literal-private", "http://127.0.0.3:%d/" % pp)

# CONNECT to an allowed host, then a ClientHello naming another one: the
# proxy must cut it. Certificate checks are off so that only the proxy can
# make this handshake fail.
s = socket.create_connection(("127.0.0.1", 3128), timeout=10)
s.sendall(b"CONNECT api.test:%d HTTP/1.1\r\nHost: api.test:%d\r\n\r\n" % (tp, tp))
head = b""
while b"\r\n\r\n" not in head:
    b = s.recv(1)
    if not b:
        break
    head += b
print("CASE sni-connect: %s" % head.split(b"\r\n")[0].decode())
raw = ssl.create_default_context()
raw.check_hostname = False
raw.verify_mode = ssl.CERT_NONE
try:
    t = raw.wrap_socket(s, server_hostname="other.test")
    print("CASE sni: ESCAPED handshake done through a fronted tunnel")
except (ssl.SSLError, OSError) as e:
    print("CASE sni: failed %s" % e.__class__.__name__)

# A raw socket that ignores the proxy.
d = socket.socket()
d.settimeout(3)
try:
    d.connect(("127.0.0.2", hp))
    print("CASE direct: ESCAPED connected to 127.0.0.2:%d" % hp)
except OSError as e:
    print("CASE direct: blocked %s" % e.__class__.__name__)

# SOCKS5 by hand (ALL_PROXY is socks5h), name type, then plain HTTP.
s = socket.create_connection(("127.0.0.1", 3128), timeout=10)
s.sendall(b"\x05\x01\x00")
greet = s.recv(2)
name = b"api.test"
s.sendall(b"\x05\x01\x00\x03" + bytes([len(name)]) + name + hp.to_bytes(2, "big"))
rep = s.recv(10)
s.sendall(b"GET /socks HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\n\r\n")
body = b""
while True:
    b = s.recv(4096)
    if not b:
        break
    body += b
print("CASE socks: %s %s %s" % (greet.hex(), rep[:2].hex(), body.split(b"\r\n\r\n", 1)[-1].decode()))
print("DONE")
`

// TestNetworkE2EAllowlist runs every case of the allowlist against real
// servers and checks the script's view, the servers' view, each attempt's
// event and the audit log's copy of them.
func TestNetworkE2EAllowlist(t *testing.T) {
	needPython(t)
	dir := t.TempDir()
	cert, caFile := testCA(t, dir, "api.test", "*.wild.test")
	httpSrv := startNetServer(t, "127.0.0.2", nil)
	tlsSrv := startNetServer(t, "127.0.0.2", &cert)
	otherSrv := startNetServer(t, "127.0.0.2", nil)   // on a port the policy does not list
	privateSrv := startNetServer(t, "127.0.0.3", nil) // outside network.cidrs

	ex, err := NewExecutor(Options{Resolver: netNames})
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	p := testPolicy()
	p.Audit.Enabled = true
	p.Audit.Dir = filepath.Join(dir, "audit")
	p.Network.Mode = policy.NetworkAllowlist
	p.Network.Domains = []string{"api.test", "*.wild.test", "private.test"}
	p.Network.Ports = []int{httpSrv.port, tlsSrv.port, privateSrv.port}
	p.Network.CIDRs = []string{"127.0.0.2/32"}
	res, err := ex.Run(context.Background(), Job{
		Source: []byte(e2eScript), Policy: p, Files: []string{caFile},
		Args: []string{fmt.Sprint(httpSrv.port), fmt.Sprint(tlsSrv.port), fmt.Sprint(otherSrv.port), fmt.Sprint(privateSrv.port)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusOK || !strings.Contains(res.Stdout, "DONE") {
		t.Fatalf("status %s, script did not finish: stdout %q stderr %q", res.Status, res.Stdout, res.Stderr)
	}
	for _, l := range []policy.Layer{policy.LayerNetNS, policy.LayerNetwork} {
		if res.Layers[l] != LayerActive {
			t.Errorf("layer %s is %q in allowlist mode, want active", l, res.Layers[l])
		}
	}
	cases := map[string]string{}
	for _, line := range strings.Split(res.Stdout, "\n") {
		if name, out, ok := strings.Cut(strings.TrimPrefix(line, "CASE "), ": "); ok && strings.HasPrefix(line, "CASE ") {
			cases[name] = out
		}
	}
	hp, tp := httpSrv.port, tlsSrv.port
	want := []struct{ name, prefix string }{
		{"http", fmt.Sprintf("ok 200 hello api.test:%d /plain", hp)},
		{"https", fmt.Sprintf("ok 200 hello api.test:%d /secure", tp)},
		{"refused", "http 403 domain-not-allowed cordon: refused.test is not in network.domains"},
		{"refused-tls", "error URLError"},
		{"wild-sub", fmt.Sprintf("ok 200 hello a.wild.test:%d /w", hp)},
		{"wild-apex", "http 403 domain-not-allowed"},
		{"wild-suffix", "http 403 domain-not-allowed"},
		{"port", "http 403 port-not-allowed"},
		{"private", "http 403 address-not-allowed"},
		{"literal-private", "http 403 ip-not-allowed"},
		{"sni-connect", "HTTP/1.1 200"},
		{"sni", "failed"},
		{"direct", "blocked"},
		{"socks", "0500 0500 hello api.test /socks"},
	}
	for _, w := range want {
		if got, ok := cases[w.name]; !ok || !strings.HasPrefix(got, w.prefix) {
			t.Errorf("case %s: got %q, want %q...", w.name, got, w.prefix)
		}
	}
	if strings.Contains(cases["refused-tls"], "ESCAPED") || !strings.Contains(cases["refused-tls"], "403") {
		t.Errorf("case refused-tls: the CONNECT refusal is not a 403: %q", cases["refused-tls"])
	}

	// The servers' side: exactly the allowed connections arrived.
	if n := httpSrv.l.n.Load(); n != 3 { // http, wild-sub, socks
		t.Errorf("the HTTP server accepted %d connections, want 3 (http, wild-sub, socks)", n)
	}
	if n := tlsSrv.l.n.Load(); n != 1 {
		t.Errorf("the TLS server accepted %d connections, want 1 (https; not the fronted tunnel)", n)
	}
	if n := tlsSrv.handshakes.Load(); n != 1 {
		t.Errorf("the TLS server completed %d handshakes, want 1", n)
	}
	if n := otherSrv.l.n.Load(); n != 0 {
		t.Errorf("ESCAPE: the server on a port not in the policy accepted %d connections", n)
	}
	if n := privateSrv.l.n.Load(); n != 0 {
		t.Errorf("ESCAPE: the server on 127.0.0.3 (outside network.cidrs) accepted %d connections", n)
	}

	// Every attempt is one event with the right verdict and reason.
	conns, refused, summary := netEvents(&res)
	type ev struct {
		host    string
		port    int
		typ     EventType
		reason  string
		proto   string
		address string
	}
	events := []ev{
		{"api.test", hp, "network-connection", "", "http", fmt.Sprintf("127.0.0.2:%d", hp)},
		{"api.test", tp, "network-connection", "", "http-connect", fmt.Sprintf("127.0.0.2:%d", tp)},
		{"refused.test", hp, "network-refused", "domain-not-allowed", "http", ""},
		{"refused2.test", tp, "network-refused", "domain-not-allowed", "http-connect", ""},
		{"a.wild.test", hp, "network-connection", "", "http", fmt.Sprintf("127.0.0.2:%d", hp)},
		{"wild.test", hp, "network-refused", "domain-not-allowed", "http", ""},
		{"xwild.test", hp, "network-refused", "domain-not-allowed", "http", ""},
		{"api.test", otherSrv.port, "network-refused", "port-not-allowed", "http", ""},
		{"private.test", privateSrv.port, "network-refused", "address-not-allowed", "http", "127.0.0.3"},
		{"127.0.0.3", privateSrv.port, "network-refused", "ip-not-allowed", "http", ""},
	}
	for _, w := range events {
		e, ok := findNetEvent(&res, w.host, w.port)
		switch {
		case !ok:
			t.Errorf("no event for %s:%d", w.host, w.port)
		case e.Type != w.typ || detail(e, "reason") != w.reason || detail(e, "protocol") != w.proto:
			t.Errorf("event for %s:%d: %s reason %q protocol %q, want %s %q %q (%+v)",
				w.host, w.port, e.Type, detail(e, "reason"), detail(e, "protocol"), w.typ, w.reason, w.proto, e)
		case w.address != "" && detail(e, "address") != w.address:
			t.Errorf("event for %s:%d: address %q, want %q", w.host, w.port, detail(e, "address"), w.address)
		case w.typ == "network-refused" && !strings.HasPrefix(e.Message, "refused: "):
			t.Errorf("refusal event message %q does not say refused", e.Message)
		}
	}
	var sni, socks int
	for _, e := range refused {
		if detail(e, "reason") == "sni-mismatch" && detail(e, "host") == "api.test" && detail(e, "port") == fmt.Sprint(tp) {
			sni++
			if detail(e, "bytes_in") != "0" {
				t.Errorf("the fronted tunnel got %s bytes back from upstream", detail(e, "bytes_in"))
			}
		}
	}
	for _, e := range conns {
		if detail(e, "protocol") == "socks5" && detail(e, "host") == "api.test" {
			socks++
			if detail(e, "bytes_in") == "0" || detail(e, "bytes_out") == "0" {
				t.Errorf("the SOCKS5 connection counts no bytes: %+v", e)
			}
		}
	}
	if sni != 1 {
		t.Errorf("%d sni-mismatch refusals for the fronted tunnel, want 1: %+v", sni, refused)
	}
	if socks != 1 {
		t.Errorf("%d SOCKS5 connection events, want 1: %+v", socks, conns)
	}
	// The script made 12 attempts through the proxy: 4 allowed (http,
	// https, wild-sub, socks), 8 refused (7 by the rules, one of them
	// refused-tls, and sni). The direct connect never reached it.
	if len(conns) != 4 || len(refused) != 8 {
		t.Errorf("%d connection and %d refused events, want 4 and 8:\n%+v\n%+v", len(conns), len(refused), conns, refused)
	}
	if summary == nil {
		t.Fatalf("no network-summary event: %+v", res.Events)
	}
	if detail(*summary, "allowed") != "4" || detail(*summary, "refused") != "8" {
		t.Errorf("summary %+v, want 4 allowed and 8 refused", summary.Detail)
	}

	// The audit log holds the same events as security-event records.
	if err := ex.Close(); err != nil {
		t.Fatal(err)
	}
	logged := map[string]int{}
	if err := audit.ReadRecords(p.Audit.Dir, func(_ int64, r audit.Record) error {
		if r.RunID == res.ID && r.Kind == audit.KindSecurityEvent && r.Event != nil {
			logged[r.Event.Type]++
			if strings.HasPrefix(r.Event.Type, "network-") && r.Event.Detail == nil {
				t.Errorf("audit record of a %s event has no detail", r.Event.Type)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if logged["network-connection"] != 4 || logged["network-refused"] != 8 || logged["network-summary"] != 1 {
		t.Errorf("audit log security events of run %s: %v, want 4 network-connection, 8 network-refused, 1 network-summary", res.ID, logged)
	}
}

// TestNetworkE2ELimits checks the per-run limits from inside: the
// connection after max_connections is refused, a response larger than
// max_bytes_in is cut, and so is a connection that outlives
// connection_time, each with the reason in its event.
func TestNetworkE2ELimits(t *testing.T) {
	needPython(t)
	srv := startNetServer(t, "127.0.0.2", nil)
	ex, err := NewExecutor(Options{Resolver: netNames})
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	const script = `
import sys, urllib.request, urllib.error, http.client
port, paths = int(sys.argv[1]), sys.argv[2:]
for i, path in enumerate(paths):
    try:
        with urllib.request.urlopen("http://api.test:%d%s" % (port, path), timeout=10) as r:
            try:
                n = len(r.read())
            except http.client.IncompleteRead as e:
                n = len(e.partial)
            print("GOT %d %d" % (i, n))
    except urllib.error.HTTPError as e:
        print("HTTP %d %d %s" % (i, e.code, e.headers.get("X-Cordon-Refused")))
    except Exception as e:
        print("ERR %d %s" % (i, e.__class__.__name__))
print("DONE")
`
	base := func() *policy.Policy {
		p := testPolicy()
		p.Network.Mode = policy.NetworkAllowlist
		p.Network.Domains = []string{"api.test"}
		p.Network.Ports = []int{srv.port}
		p.Network.CIDRs = []string{"127.0.0.2/32"}
		return p
	}
	t.Run("max_connections", func(t *testing.T) {
		before := srv.l.n.Load()
		p := base()
		p.Network.MaxConnections = 2
		res, err := ex.Run(context.Background(), Job{Source: []byte(script), Policy: p,
			Args: []string{fmt.Sprint(srv.port), "/1", "/2", "/3"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []string{"GOT 0 ", "GOT 1 ", "DONE"} {
			if !strings.Contains(res.Stdout, w) {
				t.Errorf("stdout lacks %q: %q (stderr %q)", w, res.Stdout, res.Stderr)
			}
		}
		// The third request is refused with the reason in the header;
		// the status code is the proxy's choice (it answers 502, as for
		// an upstream it could not dial).
		var code int
		var reason string
		if _, err := fmt.Sscanf(lineWith(res.Stdout, "HTTP 2 "), "HTTP 2 %d %s", &code, &reason); err != nil || code < 400 || reason != "connection-limit" {
			t.Errorf("the request after max_connections was not refused with connection-limit: %q", res.Stdout)
		}
		if n := srv.l.n.Load() - before; n != 2 {
			t.Errorf("the server accepted %d connections under max_connections 2", n)
		}
		conns, refused, _ := netEvents(&res)
		if len(conns) != 2 || len(refused) != 1 || detail(refused[0], "reason") != "connection-limit" {
			t.Errorf("events: %d connections, refused %+v; want 2 and one connection-limit", len(conns), refused)
		}
	})
	t.Run("max_bytes_in", func(t *testing.T) {
		const limit = 64 << 10
		p := base()
		p.Network.MaxBytesIn = policy.Size(limit)
		res, err := ex.Run(context.Background(), Job{Source: []byte(script), Policy: p,
			Args: []string{fmt.Sprint(srv.port), "/big"}})
		if err != nil {
			t.Fatal(err)
		}
		var got int
		if _, err := fmt.Sscanf(lineWith(res.Stdout, "GOT 0 "), "GOT 0 %d", &got); err != nil && !strings.Contains(res.Stdout, "ERR 0") {
			t.Fatalf("the script did not report the download: %q %q", res.Stdout, res.Stderr)
		}
		if got >= 1<<20 || got > limit {
			t.Errorf("the script read %d bytes of a 1 MiB body under max_bytes_in %d", got, limit)
		}
		conns, _, _ := netEvents(&res)
		if len(conns) != 1 {
			t.Fatalf("want one connection event, got %+v", res.Events)
		}
		e := conns[0]
		if detail(e, "reason") != "bytes-in-limit" {
			t.Errorf("the cut connection's event has reason %q, want bytes-in-limit: %+v", detail(e, "reason"), e)
		}
		var in int64
		fmt.Sscan(detail(e, "bytes_in"), &in)
		if in > limit || in == 0 {
			t.Errorf("event bytes_in %d, want 1..%d", in, limit)
		}
	})
	t.Run("connection_time", func(t *testing.T) {
		p := base()
		p.Network.ConnectionTime = policy.Duration(300 * time.Millisecond)
		start := time.Now()
		res, err := ex.Run(context.Background(), Job{Source: []byte(script), Policy: p,
			Args: []string{fmt.Sprint(srv.port), "/slow"}})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(res.Stdout, "DONE") {
			t.Fatalf("the script did not finish: %q %q", res.Stdout, res.Stderr)
		}
		if d := time.Since(start); d > 8*time.Second {
			t.Errorf("a connection under connection_time 300ms kept the run %v (the server answers after 10s)", d)
		}
		conns, _, _ := netEvents(&res)
		if len(conns) != 1 || detail(conns[0], "reason") != "connection-time-limit" {
			t.Fatalf("want one connection cut by connection-time-limit, got %+v", res.Events)
		}
		var ms int64
		fmt.Sscan(detail(conns[0], "duration_ms"), &ms)
		if ms < 250 || ms > 5000 {
			t.Errorf("the cut connection lived %d ms under connection_time 300ms", ms)
		}
	})
}

// lineWith is the first line of s holding sub ("" if none).
func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}

// allowlistRig serves on 127.0.0.2 and returns an executor that resolves
// the test names there and a policy of mode allowlist allowing exactly
// api.test on that port.
func allowlistRig(t *testing.T) (*Executor, *policy.Policy, int) {
	t.Helper()
	srv := startNetServer(t, "127.0.0.2", nil)
	ex, err := NewExecutor(Options{Resolver: netNames})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ex.Close() })
	p := testPolicy()
	p.Network.Mode = policy.NetworkAllowlist
	p.Network.Domains = []string{"api.test"}
	p.Network.Ports = []int{srv.port}
	p.Network.CIDRs = []string{"127.0.0.2/32"}
	return ex, p, srv.port
}

// TestNetworkE2EPrepared: a script fetches through the proxy, in a
// sandbox built for its job (Run) and in one built beforehand (Prepare,
// then Run: the proxy's socket waits in the prepared sandbox until
// hand-over).
func TestNetworkE2EPrepared(t *testing.T) {
	needPython(t)
	ex, p, port := allowlistRig(t)
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
		want := fmt.Sprintf("hello api.test:%d /x\nrefused 403 domain-not-allowed\n", port)
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

// TestNetworkE2EEventsSurviveFlood: refusals are capped in the record,
// but an allowed connection after a flood of them is still there, and the
// summary counts every refusal by reason.
func TestNetworkE2EEventsSurviveFlood(t *testing.T) {
	needPython(t)
	ex, p, port := allowlistRig(t)
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
	if want := fmt.Sprintf("hello api.test:%d /\n", port); res.Status != StatusOK || res.Stdout != want {
		t.Fatalf("%s %q %q, want ok %q", res.Status, res.Stdout, res.Stderr, want)
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
