package egress

// Fixtures shared by the proxy's tests (not the benchmarks).
//
// Rules of these files: test servers listen on 127.0.0.2 only and the
// proxy on 127.0.0.1; every upstream dial goes through a guardDialer that
// refuses, and fails the test for, any address outside 127.0.0.0/8 (or
// outside the exact set a test allows), so nothing is ever sent to any
// other address, not even one a test expects to be refused. Test names
// are pinned with a StaticResolver (testNames); public.test resolves to a
// public address (192.88.99.7, the deprecated 6to4 relay anycast range:
// documentation ranges count as reserved) that the guard redirects to a
// loopback server when a test asks it to, without a packet to it.

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cordonsec/cordon/internal/testpki"
	"github.com/cordonsec/cordon/policy"
)

const (
	serverIP = "127.0.0.2" // every test server
	strayIP  = "127.0.0.3" // resolved for private.test; never listened on
	publicIP = "192.88.99.7"
)

// testNames pins the test domains.
var testNames = StaticResolver{
	"api.test":      {netip.MustParseAddr(serverIP)},
	"other.test":    {netip.MustParseAddr(serverIP)},
	"wild.test":     {netip.MustParseAddr(serverIP)},
	"a.wild.test":   {netip.MustParseAddr(serverIP)},
	"a.b.wild.test": {netip.MustParseAddr(serverIP)},
	"xwild.test":    {netip.MustParseAddr(serverIP)},
	"private.test":  {netip.MustParseAddr(strayIP)},
	"ten.test":      {netip.MustParseAddr("10.0.0.1")},
	"meta.test":     {netip.MustParseAddr("169.254.169.254")},
	"v6.test":       {netip.MustParseAddr("::1")},
	"mapped.test":   {netip.MustParseAddr("::ffff:10.1.2.3")},
	"mixed.test":    {netip.MustParseAddr(strayIP), netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr(serverIP)},
	"public.test":   {netip.MustParseAddr(publicIP)},
	// bücher.test; the proxy looks names up in their ASCII form.
	"xn--bcher-kva.test": {netip.MustParseAddr(serverIP)},
}

var loopback4 = netip.MustParsePrefix("127.0.0.0/8")

// guardDialer is the proxy's Dialer in every test: it records what the
// proxy asks for and dials only loopback (after an optional redirect).
type guardDialer struct {
	t testing.TB
	// redirect maps an address the proxy may ask for to the loopback
	// address really dialled (public.test's address to a test server).
	redirect map[string]string
	// allow, when set, is the exact set of addresses the proxy may ask
	// for; anything else fails the test.
	allow func(addr string) bool

	mu    sync.Mutex
	dials []string
}

func (g *guardDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	g.mu.Lock()
	g.dials = append(g.dials, address)
	g.mu.Unlock()
	if g.allow != nil && !g.allow(address) {
		g.t.Errorf("the proxy asked to dial %s %s, which the rules do not allow", network, address)
		return nil, fmt.Errorf("test dialer: %s refused", address)
	}
	target := address
	if r, ok := g.redirect[address]; ok {
		target = r
	}
	ap, err := netip.ParseAddrPort(target)
	if err != nil || !loopback4.Contains(ap.Addr()) || network != "tcp" {
		g.t.Errorf("the proxy asked to dial %s %s: not a loopback TCP address, refused by the test", network, address)
		return nil, fmt.Errorf("test dialer: %s %s is not loopback TCP", network, address)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp4", target)
}

func (g *guardDialer) Dials() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.dials)
}

// testPKI is one server certificate naming every test domain (the
// benchmarks' bench.test too) and 127.0.0.2, and a pool trusting its CA
// (pem: the CA, for Python's cafile).
var testPKI struct {
	once sync.Once
	cert tls.Certificate
	pool *x509.CertPool
	pem  []byte
	err  error
}

func testCertificate(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	c := &testPKI
	c.once.Do(func() {
		c.cert, c.pem, c.err = testpki.Server([]string{"api.test", "other.test", "wild.test", "*.wild.test",
			"a.b.wild.test", "mixed.test", "public.test", benchHost}, net.ParseIP(serverIP))
		c.pool = x509.NewCertPool()
		c.pool.AppendCertsFromPEM(c.pem)
	})
	if c.err != nil {
		t.Fatalf("test certificate: %v", c.err)
	}
	return c.cert, c.pool
}

// listenServer listens on 127.0.0.2 on a free port.
func listenServer(t testing.TB) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp4", net.JoinHostPort(serverIP, "0"))
	if err != nil {
		t.Fatalf("listen on %s: %v", serverIP, err)
	}
	return l
}

func portOf(a net.Addr) int { return a.(*net.TCPAddr).Port }

// countListener counts the connections a server accepted.
type countListener struct {
	net.Listener
	n atomic.Int64
}

func (l *countListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

// webServer is an httptest server on 127.0.0.2 (plain or TLS) that
// records the requests it served.
type webServer struct {
	*httptest.Server
	Port     int
	accepted *countListener
	mu       sync.Mutex
	reqs     []*http.Request
}

// Accepted is the number of connections the server accepted.
func (s *webServer) Accepted() int64 { return s.accepted.n.Load() }

func (s *webServer) Requests() []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

// startWeb starts a server answering "hello <host> <path>", or h when
// given.
func startWeb(t testing.TB, useTLS bool, h http.HandlerFunc) *webServer {
	t.Helper()
	s := &webServer{}
	handler := func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.reqs = append(s.reqs, r)
		s.mu.Unlock()
		if h != nil {
			h(w, r)
			return
		}
		fmt.Fprintf(w, "hello %s %s", r.Host, r.URL.Path)
	}
	hs := httptest.NewUnstartedServer(http.HandlerFunc(handler))
	hs.Listener.Close()
	s.accepted = &countListener{Listener: listenServer(t)}
	hs.Listener = s.accepted
	if useTLS {
		cert, _ := testCertificate(t)
		hs.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
		hs.StartTLS()
	} else {
		hs.Start()
	}
	s.Server = hs
	s.Port = portOf(s.accepted.Addr())
	t.Cleanup(hs.Close)
	return s
}

// tcpServer is a raw TCP server on 127.0.0.2 running serve for each
// connection; it counts connections and the bytes its serve read through
// the conn it was given.
type tcpServer struct {
	Port     int
	accepted atomic.Int64
	received atomic.Int64
	mu       sync.Mutex
	live     map[net.Conn]struct{}
	wg       sync.WaitGroup
}

// countConn counts what the server reads.
type countConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func startTCP(t testing.TB, serve func(c net.Conn)) *tcpServer {
	t.Helper()
	l := listenServer(t)
	s := &tcpServer{Port: portOf(l.Addr()), live: map[net.Conn]struct{}{}}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.accepted.Add(1)
			s.mu.Lock()
			s.live[c] = struct{}{}
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer func() {
					c.Close()
					s.mu.Lock()
					delete(s.live, c)
					s.mu.Unlock()
				}()
				serve(countConn{Conn: c, n: &s.received})
			}()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		s.mu.Lock()
		for c := range s.live {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

// Server behaviours for startTCP.
func serveEcho(c net.Conn) { _, _ = io.Copy(c, c) }

func serveDiscard(c net.Conn) { _, _ = io.Copy(io.Discard, c) }

// serveHold reads until the peer closes and sends nothing.
var serveHold = serveDiscard

// serveSend returns a server that sends n bytes and then reads until the
// client closes.
func serveSend(n int) func(c net.Conn) {
	return func(c net.Conn) {
		buf := make([]byte, 32<<10)
		for left := n; left > 0; {
			m := min(left, len(buf))
			if _, err := c.Write(buf[:m]); err != nil {
				return
			}
			left -= m
		}
		_, _ = io.Copy(io.Discard, c)
	}
}

// proxyRig is one proxy on 127.0.0.1 with its event log.
type proxyRig struct {
	t      testing.TB
	p      *Proxy
	Addr   string
	Dialer *guardDialer

	mu     sync.Mutex
	events []Event
	served chan error
	closed atomic.Bool
}

// newProxyRig serves a proxy for n (mode allowlist) with the test names
// and a guardDialer; edit adjusts the config before New.
func newProxyRig(t testing.TB, n policy.Network, edit ...func(*Config)) *proxyRig {
	t.Helper()
	if n.Mode == "" {
		n.Mode = policy.NetworkAllowlist
	}
	r := &proxyRig{t: t, Dialer: &guardDialer{t: t}, served: make(chan error, 1)}
	cfg := Config{
		Network:  n,
		Resolver: testNames,
		Dialer:   r.Dialer,
		OnEvent: func(ev Event) {
			r.mu.Lock()
			r.events = append(r.events, ev)
			r.mu.Unlock()
		},
		RequestTimeout: 5 * time.Second,
	}
	for _, e := range edit {
		e(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatalf("egress.New: %v", err)
	}
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen on 127.0.0.1: %v", err)
	}
	r.p, r.Addr = p, l.Addr().String()
	go func() { r.served <- p.Serve(l) }()
	t.Cleanup(func() { r.Close() })
	return r
}

// Close closes the proxy (once), checks that Serve returned nil and that
// Close waited for every handler, and returns the events.
func (r *proxyRig) Close() []Event {
	if r.closed.CompareAndSwap(false, true) {
		done := make(chan struct{})
		go func() {
			r.p.Close()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			r.t.Fatalf("proxy Close did not return within 10s")
		}
		select {
		case err := <-r.served:
			if err != nil {
				r.t.Errorf("proxy Serve: %v", err)
			}
		case <-time.After(5 * time.Second):
			r.t.Errorf("proxy Serve did not return after Close")
		}
	}
	return r.Events()
}

func (r *proxyRig) Events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// WaitEvents waits until the proxy reported at least n events.
func (r *proxyRig) WaitEvents(n int) []Event {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		evs := r.Events()
		if len(evs) >= n {
			return evs
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("waited 10s for %d events, got %d: %s", n, len(evs), eventsText(evs))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// WaitEvent waits for exactly one more event than before (the caller's
// count) and returns it.
func (r *proxyRig) WaitEvent(before int) Event {
	r.t.Helper()
	evs := r.WaitEvents(before + 1)
	return evs[before]
}

// checkStats compares Stats with the events reported so far.
func (r *proxyRig) checkStats(t testing.TB) {
	t.Helper()
	var want Stats
	for _, ev := range r.Events() {
		if ev.Allowed {
			want.Allowed++
		} else {
			want.Refused++
		}
		want.BytesOut += ev.BytesOut
		want.BytesIn += ev.BytesIn
	}
	if got := r.p.Stats(); got != want {
		t.Errorf("Stats = %+v, the events add up to %+v", got, want)
	}
}

func eventsText(evs []Event) string {
	var b strings.Builder
	for _, ev := range evs {
		fmt.Fprintf(&b, "\n\t%s %s:%d addr=%q allowed=%v reason=%q out=%d in=%d: %s",
			ev.Protocol, ev.Host, ev.Port, ev.Address, ev.Allowed, ev.Reason, ev.BytesOut, ev.BytesIn, ev.Message)
	}
	return b.String()
}

// wantRefused checks a refused event.
func wantRefused(t testing.TB, ev Event, proto Protocol, host string, port int, reason Reason) {
	t.Helper()
	if ev.Allowed || ev.Reason != reason || ev.Protocol != proto || ev.Host != host || ev.Port != port {
		t.Errorf("event %s, want refused %s %s:%d reason %s", eventsText([]Event{ev}), proto, host, port, reason)
	}
	if ev.Message == "" || ev.Time.IsZero() {
		t.Errorf("refused event has no message or time: %+v", ev)
	}
}

// wantAllowed checks an allowed event that ended normally (reason "")
// or was cut for reason.
func wantAllowed(t testing.TB, ev Event, proto Protocol, host string, port int, addr string, reason Reason) {
	t.Helper()
	if !ev.Allowed || ev.Reason != reason || ev.Protocol != proto || ev.Host != host || ev.Port != port || ev.Address != addr {
		t.Errorf("event %s, want allowed %s %s:%d addr %s reason %q", eventsText([]Event{ev}), proto, host, port, addr, reason)
	}
	if ev.Duration <= 0 || ev.Time.IsZero() || ev.Message == "" {
		t.Errorf("allowed event lacks duration, time or message: %+v", ev)
	}
}

func serverAddr(port int) string { return net.JoinHostPort(serverIP, strconv.Itoa(port)) }

// dialProxy connects to the proxy with a deadline for the whole test
// exchange.
func dialProxy(t testing.TB, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp4", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial proxy: %v", err)
	}
	_ = c.SetDeadline(time.Now().Add(15 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

// readAll reads until EOF or an error and returns what arrived.
func readAll(c net.Conn) ([]byte, error) {
	b, err := io.ReadAll(c)
	return b, err
}

// proxyClient is a net/http client using the proxy for http and https,
// trusting the test certificate, without keep-alive (so that each
// request's event is reported once its response is read).
func proxyClient(t testing.TB, proxyAddr string) *http.Client {
	_, pool := testCertificate(t)
	u := &url.URL{Scheme: "http", Host: proxyAddr}
	tr := &http.Transport{
		Proxy:             http.ProxyURL(u),
		TLSClientConfig:   &tls.Config{RootCAs: pool},
		DisableKeepAlives: true,
		// Never dial anything but the proxy.
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if addr != proxyAddr {
				t.Errorf("the HTTP client tried to dial %s, not the proxy", addr)
				return nil, errors.New("test client: not the proxy")
			}
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 15 * time.Second}
}

// clientHello returns the first TLS record a crypto/tls client sends for
// sni ("" for none).
func clientHello(t testing.TB, sni string) []byte {
	t.Helper()
	a, b := net.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = tls.Client(a, &tls.Config{ServerName: sni, InsecureSkipVerify: sni == ""}).Handshake()
	}()
	_ = b.SetDeadline(time.Now().Add(5 * time.Second))
	var hdr [5]byte
	if _, err := io.ReadFull(b, hdr[:]); err != nil {
		t.Fatalf("client hello: %v", err)
	}
	body := make([]byte, int(hdr[3])<<8|int(hdr[4]))
	if _, err := io.ReadFull(b, body); err != nil {
		t.Fatalf("client hello: %v", err)
	}
	b.Close()
	a.Close()
	<-done
	return append(hdr[:], body...)
}

// connectTunnel sends a CONNECT for target (plus extra bytes in the same
// write) and reads the proxy's answer.
func connectTunnel(t testing.TB, proxyAddr, target string, extra []byte) (net.Conn, *bufio.Reader, *http.Response) {
	t.Helper()
	c := dialProxy(t, proxyAddr)
	req := fmt.Sprintf("CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", target, target)
	if _, err := c.Write(append([]byte(req), extra...)); err != nil {
		t.Fatalf("write CONNECT: %v", err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil {
		t.Fatalf("CONNECT %s: reading the answer: %v", target, err)
	}
	return c, br, resp
}

// bufConn reads through br (bytes the proxy sent after its answer may
// be buffered there) and writes to the conn.
type bufConn struct {
	net.Conn
	br *bufio.Reader
}

func (c bufConn) Read(p []byte) (int, error) { return c.br.Read(p) }

// flipResolver answers first on the first lookup and then on every
// later one: a rebinding name.
type flipResolver struct {
	first, then string
	calls       atomic.Int64
}

func (f *flipResolver) LookupNetIP(_ context.Context, _, _ string) ([]netip.Addr, error) {
	if f.calls.Add(1) == 1 {
		return []netip.Addr{netip.MustParseAddr(f.first)}, nil
	}
	return []netip.Addr{netip.MustParseAddr(f.then)}, nil
}
