package egress

// The proxy as a whole: construction, Env, resolvers, the first-byte
// dispatch, request timeouts, Close cutting live connections with one
// event per attempt, and many concurrent clients keeping Stats and events
// in agreement.

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cordonsec/cordon/policy"
)

func TestEnv(t *testing.T) {
	env := Env("127.0.0.1:3128")
	want := map[string]string{
		"HTTP_PROXY":  "http://127.0.0.1:3128",
		"HTTPS_PROXY": "http://127.0.0.1:3128",
		"ALL_PROXY":   "socks5h://127.0.0.1:3128",
	}
	got := map[string]string{}
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			t.Errorf("entry %q is not NAME=VALUE", kv)
		}
		if _, dup := got[k]; dup {
			t.Errorf("%s set twice", k)
		}
		got[k] = v
	}
	if len(got) != 8 {
		t.Errorf("Env gave %d variables, want 8 (4 names, upper and lower case): %q", len(got), env)
	}
	for name, v := range want {
		for _, n := range []string{name, strings.ToLower(name)} {
			if got[n] != v {
				t.Errorf("%s=%q, want %q", n, got[n], v)
			}
		}
	}
	for _, n := range []string{"NO_PROXY", "no_proxy"} {
		list := strings.Split(got[n], ",")
		for _, h := range []string{"localhost", "127.0.0.1"} {
			if !slices.Contains(list, h) {
				t.Errorf("%s=%q does not keep %s direct", n, got[n], h)
			}
		}
		for _, h := range list {
			if h == "*" || strings.HasSuffix(h, ".test") {
				t.Errorf("%s=%q lets %q bypass the proxy", n, got[n], h)
			}
		}
	}
}

func TestNewRefusesBadRules(t *testing.T) {
	for _, n := range []policy.Network{
		{Domains: []string{"*"}},
		{Domains: []string{"http://api.test/"}},
		{Domains: []string{"api.test:0"}},
		{Domains: []string{"10.0.0.1"}},
		{Ports: []int{0}},
		{Ports: []int{65536}},
		{CIDRs: []string{"10.0.0.1/8"}},
		{CIDRs: []string{"not-a-cidr"}},
	} {
		if _, err := New(Config{Network: n}); err == nil {
			t.Errorf("New accepted %+v", n)
		}
	}
}

func TestResolvers(t *testing.T) {
	ctx := context.Background()
	s := StaticResolver{"api.test": {netip.MustParseAddr(serverIP)}}
	for _, name := range []string{"api.test", "API.TEST", "api.test."} {
		if a, err := s.LookupNetIP(ctx, "ip", name); err != nil || len(a) != 1 || a[0].String() != serverIP {
			t.Errorf("StaticResolver %q: %v %v", name, a, err)
		}
	}
	_, err := s.LookupNetIP(ctx, "ip", "other.test")
	var de *net.DNSError
	if !errors.As(err, &de) || !de.IsNotFound {
		t.Errorf("StaticResolver on an unknown name: %v, want a not-found DNSError", err)
	}
	// Pinned: pins first, then Next (never the system resolver here).
	p := Pinned{Pins: s, Next: StaticResolver{"other.test": {netip.MustParseAddr(strayIP)}}}
	if a, err := p.LookupNetIP(ctx, "ip", "API.test"); err != nil || a[0].String() != serverIP {
		t.Errorf("Pinned pin: %v %v", a, err)
	}
	if a, err := p.LookupNetIP(ctx, "ip", "other.test"); err != nil || a[0].String() != strayIP {
		t.Errorf("Pinned next: %v %v", a, err)
	}
	if _, err := p.LookupNetIP(ctx, "ip", "nx.test"); err == nil {
		t.Errorf("Pinned answered an unknown name")
	}

	for _, tc := range []struct {
		in    string
		name  string
		addrs string
		ok    bool
	}{
		{"api.test=127.0.0.2", "api.test", "127.0.0.2", true},
		{"API.Test.=127.0.0.2, ::1", "api.test", "127.0.0.2 ::1", true},
		{"api.test=::ffff:10.0.0.1", "api.test", "10.0.0.1", true},
		{"api.test", "", "", false},
		{"=127.0.0.1", "", "", false},
		{"api.test=", "", "", false},
		{"api.test=localhost", "", "", false},
		{"*.api.test=127.0.0.1", "", "", false},
		{"127.0.0.1=127.0.0.2", "", "", false},
	} {
		name, addrs, err := ParseResolve(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParseResolve(%q) error %v, want ok %v", tc.in, err, tc.ok)
			continue
		}
		var as []string
		for _, a := range addrs {
			as = append(as, a.String())
		}
		if tc.ok && (name != tc.name || strings.Join(as, " ") != tc.addrs) {
			t.Errorf("ParseResolve(%q) = %q %v, want %q %s", tc.in, name, as, tc.name, tc.addrs)
		}
	}
}

func TestServeAfterClose(t *testing.T) {
	p, err := New(Config{Network: policy.Network{Mode: policy.NetworkAllowlist}, Resolver: testNames, Dialer: &guardDialer{t: t}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Serve(l); !errors.Is(err, ErrClosed) {
		t.Errorf("Serve after Close: %v, want ErrClosed", err)
	}
	if _, err := net.DialTimeout("tcp4", l.Addr().String(), time.Second); err == nil {
		t.Errorf("Serve after Close left the listener open")
	}
}

// TestRequestTimeout: a client that says nothing, or stops in the middle
// of its request, is dropped after RequestTimeout; the half request is a
// refused attempt, the silence none.
func TestRequestTimeout(t *testing.T) {
	r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{443}, CIDRs: []string{serverIP + "/32"}},
		func(c *Config) { c.RequestTimeout = 200 * time.Millisecond })
	for _, tc := range []struct {
		name  string
		send  string
		event bool
	}{
		{"silent", "", false},
		{"half a request line", "GET http://api.te", true},
		{"half a SOCKS greeting", "\x05\x02\x00", true},
		{"CONNECT without a hello", "CONNECT api.test:443 HTTP/1.1\r\nHost: api.test:443\r\n\r\n", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(r.Events())
			c := dialProxy(t, r.Addr)
			if _, err := io.WriteString(c, tc.send); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, _ = io.Copy(io.Discard, c) // until the proxy drops it
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("the proxy held a stalled client for %v", took)
			}
			if tc.event {
				ev := r.WaitEvent(before)
				if ev.Allowed {
					t.Errorf("a stalled request was allowed: %s", eventsText([]Event{ev}))
				}
			}
			time.Sleep(20 * time.Millisecond)
			if got := len(r.Events()) - before; got != map[bool]int{true: 1, false: 0}[tc.event] {
				t.Errorf("%d events for a stalled client: %s", got, eventsText(r.Events()[before:]))
			}
		})
	}
	if d := r.Dialer.Dials(); len(d) != 0 {
		t.Errorf("dials %v", d)
	}
}

// TestCloseCutsLive: Close ends every live connection (clients see the
// end), waits for the handlers, and every attempt has exactly one event;
// Stats agree with them.
func TestCloseCutsLive(t *testing.T) {
	hold := startTCP(t, serveHold)
	tlsSrv := startWeb(t, true, nil)
	release := make(chan struct{})
	slow := startWeb(t, false, func(w http.ResponseWriter, _ *http.Request) {
		select {
		case <-release:
		case <-time.After(10 * time.Second):
		}
	})
	t.Cleanup(func() { close(release) })
	r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{hold.Port, tlsSrv.Port, slow.Port}, CIDRs: []string{serverIP + "/32"}})

	var clients []net.Conn
	// 1: SOCKS, live and idle.
	c, code := socksDial(t, r.Addr, socksRequest{host: "api.test", port: hold.Port})
	if code != 0 {
		t.Fatalf("SOCKS reply %#x", code)
	}
	if _, err := c.Write([]byte("some bytes out")); err != nil {
		t.Fatal(err)
	}
	clients = append(clients, c)
	// 2: a CONNECT tunnel with TLS up.
	v := openVia(t, ProtoConnect, r.Addr, tlsSrv.Port)
	if v.conn == nil {
		t.Fatal(v.refused)
	}
	clients = append(clients, v.conn)
	// 3: a forwarded request waiting for its answer.
	c = dialProxy(t, r.Addr)
	fmt.Fprintf(c, "GET http://api.test:%d/ HTTP/1.1\r\nHost: api.test:%d\r\n\r\n", slow.Port, slow.Port)
	clients = append(clients, c)
	// 5: half a request (before 4: the proxy accepts in order, so the
	// answer to 4 shows 5 was accepted).
	c = dialProxy(t, r.Addr)
	io.WriteString(c, "GET http://api.test:")
	clients = append(clients, c)
	// 4: refused.
	_, _, resp := connectTunnel(t, r.Addr, "other.test:443", nil)
	if resp.StatusCode != 403 {
		t.Fatal(resp.Status)
	}
	// 6: a tunnel waiting for its ClientHello.
	c, _, resp = connectTunnel(t, r.Addr, net.JoinHostPort("api.test", strconv.Itoa(tlsSrv.Port)), nil)
	if resp.StatusCode != 200 {
		t.Fatal(resp.Status)
	}
	clients = append(clients, c)
	// Wait until 1-3 are dialled (3: the server has the request).
	deadline := time.Now().Add(5 * time.Second)
	for len(slow.Requests()) == 0 || len(r.Dialer.Dials()) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("the allowed connections were not dialled: %v", r.Dialer.Dials())
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // let 5 and 6 reach their reads

	evs := r.Close()
	for i, c := range clients {
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.Copy(io.Discard, c); err != nil {
			t.Errorf("client %d after Close: %v, want the connection ended", i+1, err)
		}
	}
	t.Logf("events: %s", eventsText(evs))
	if len(evs) != 6 {
		t.Fatalf("%d events for 6 attempts: %s", len(evs), eventsText(evs))
	}
	byKey := map[string][]Event{}
	for _, ev := range evs {
		k := fmt.Sprintf("%s %d %v", ev.Protocol, ev.Port, ev.Allowed)
		byKey[k] = append(byKey[k], ev)
	}
	for _, tc := range []struct {
		proto Protocol
		port  int
	}{{ProtoSOCKS5, hold.Port}, {ProtoConnect, tlsSrv.Port}, {ProtoHTTP, slow.Port}} {
		k := fmt.Sprintf("%s %d true", tc.proto, tc.port)
		if len(byKey[k]) != 1 {
			t.Errorf("%d allowed %s events to port %d, want 1: %s", len(byKey[k]), tc.proto, tc.port, eventsText(evs))
			continue
		}
		wantAllowed(t, byKey[k][0], tc.proto, "api.test", tc.port, serverAddr(tc.port), ReasonClosed)
	}
	refused := 0
	for _, ev := range evs {
		if !ev.Allowed {
			refused++
		}
	}
	if refused != 3 {
		t.Errorf("%d refused events, want 3 (refused name, half request, tunnel without hello): %s", refused, eventsText(evs))
	}
	r.checkStats(t)
	// Nothing more arrives after Close returned.
	time.Sleep(50 * time.Millisecond)
	if n := len(r.Events()); n != 6 {
		t.Errorf("%d events after Close returned, want 6", n)
	}
}

// TestConcurrentClients: many clients at once over all protocols, allowed
// and refused; every attempt is one event and Stats add up (run with
// -race).
func TestConcurrentClients(t *testing.T) {
	echo := startTCP(t, serveEcho)
	web := startWeb(t, false, nil)
	tlsSrv := startWeb(t, true, nil)
	r := newProxyRig(t, policy.Network{Domains: []string{"api.test", "*.wild.test"}, Ports: []int{echo.Port, web.Port, tlsSrv.Port},
		CIDRs: []string{serverIP + "/32"}, MaxBytesIn: 1 << 30, MaxBytesOut: 1 << 30, MaxConnections: 1000})
	cl := proxyClient(t, r.Addr)
	const rounds = 15
	hello := clientHello(t, "evil.test")
	var wg sync.WaitGroup
	errs := make(chan error, rounds*6)
	for i := range rounds {
		wg.Add(6)
		go func() { // SOCKS allowed
			defer wg.Done()
			c, code := socksDial(t, r.Addr, socksRequest{host: "a.wild.test", port: echo.Port})
			if code != 0 {
				errs <- fmt.Errorf("socks %d: reply %#x", i, code)
				return
			}
			defer c.Close()
			msg := []byte(strings.Repeat("x", 1000+i))
			c.Write(msg)
			got := make([]byte, len(msg))
			if _, err := io.ReadFull(c, got); err != nil {
				errs <- fmt.Errorf("socks %d: %v", i, err)
			}
		}()
		go func() { // SOCKS refused
			defer wg.Done()
			c, code := socksDial(t, r.Addr, socksRequest{host: "other.test", port: echo.Port})
			c.Close()
			if code != 0x02 {
				errs <- fmt.Errorf("socks refused %d: reply %#x", i, code)
			}
		}()
		go func() { // HTTP allowed
			defer wg.Done()
			resp, err := cl.Get(fmt.Sprintf("http://api.test:%d/%d", web.Port, i))
			if err != nil {
				errs <- err
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}()
		go func() { // HTTP refused
			defer wg.Done()
			resp, err := cl.Get(fmt.Sprintf("http://wild.test:%d/", web.Port))
			if err != nil {
				errs <- err
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 403 {
				errs <- fmt.Errorf("wild.test: %s", resp.Status)
			}
		}()
		go func() { // HTTPS allowed
			defer wg.Done()
			resp, err := cl.Get(fmt.Sprintf("https://api.test:%d/", tlsSrv.Port))
			if err != nil {
				errs <- err
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}()
		go func() { // CONNECT with a wrong SNI
			defer wg.Done()
			c, br, resp := connectTunnel(t, r.Addr, net.JoinHostPort("api.test", strconv.Itoa(tlsSrv.Port)), nil)
			defer c.Close()
			if resp.StatusCode != 200 {
				errs <- fmt.Errorf("connect: %s", resp.Status)
				return
			}
			c.Write(hello)
			io.Copy(io.Discard, br)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	cl.Transport.(*http.Transport).CloseIdleConnections()
	evs := r.WaitEvents(rounds * 6)
	evs2 := r.Close()
	if len(evs2) != rounds*6 {
		t.Errorf("%d events for %d attempts", len(evs2), rounds*6)
	}
	allowed := 0
	for _, ev := range evs {
		if ev.Allowed {
			allowed++
			if ev.Reason != "" || ev.Address == "" {
				t.Errorf("allowed event %s", eventsText([]Event{ev}))
			}
		}
	}
	if allowed != rounds*3 {
		t.Errorf("%d allowed events, want %d", allowed, rounds*3)
	}
	if d := len(r.Dialer.Dials()); d != rounds*3 {
		t.Errorf("%d dials, want %d", d, rounds*3)
	}
	r.checkStats(t)
}

// blockResolver and blockDialer hang until their context ends: a slow
// name server, an upstream that never answers the SYN.
type blockResolver struct{ started chan struct{} }

func (b blockResolver) LookupNetIP(ctx context.Context, _, _ string) ([]netip.Addr, error) {
	close(b.started)
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(30 * time.Second):
		return nil, errors.New("blockResolver: the context never ended")
	}
}

type blockDialer struct{ started chan struct{} }

func (b blockDialer) DialContext(ctx context.Context, _, _ string) (net.Conn, error) {
	close(b.started)
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(30 * time.Second):
		return nil, errors.New("blockDialer: the context never ended")
	}
}

// TestClosePendingLookupAndDial: Close does not wait for a lookup or a
// dial in flight; each such attempt is still one refused event.
func TestClosePendingLookupAndDial(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(c *Config, started chan struct{})
	}{
		{"lookup", func(c *Config, s chan struct{}) { c.Resolver = blockResolver{s} }},
		{"dial", func(c *Config, s chan struct{}) { c.Dialer = blockDialer{s} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			started := make(chan struct{})
			r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{443}, CIDRs: []string{serverIP + "/32"}},
				func(c *Config) { tc.edit(c, started) })
			c := dialProxy(t, r.Addr)
			atyp, addr := socksAddr("api.test")
			msg := append([]byte{5, 1, 0, 5, 1, 0, atyp}, addr...)
			c.Write(binary.BigEndian.AppendUint16(msg, 443))
			select {
			case <-started:
			case <-time.After(5 * time.Second):
				t.Fatal("the proxy never started the lookup or dial")
			}
			start := time.Now()
			evs := r.Close()
			if took := time.Since(start); took > 3*time.Second {
				t.Errorf("Close waited %v for a %s in flight", took, tc.name)
			}
			if len(evs) != 1 || evs[0].Allowed {
				t.Errorf("events %s, want one refused", eventsText(evs))
			}
		})
	}
}

// slowResolver answers from testNames after a pause.
type slowResolver struct{ d time.Duration }

func (s slowResolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	time.Sleep(s.d)
	return testNames.LookupNetIP(ctx, network, host)
}

// TestClientGoneIsStillAnEvent: a client that resets its connection
// while the proxy decides (here: during a slow lookup) still leaves one
// event for its attempt.
func TestClientGoneIsStillAnEvent(t *testing.T) {
	for _, tc := range []struct{ name, send string }{
		{"connect", "CONNECT api.test:443 HTTP/1.1\r\nHost: api.test:443\r\n\r\n"},
		{"socks", "\x05\x01\x00\x05\x01\x00\x03\x08api.test\x01\xbb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{443}, CIDRs: []string{serverIP + "/32"}},
				func(c *Config) { c.Resolver = slowResolver{200 * time.Millisecond} })
			c := dialProxy(t, r.Addr)
			io.WriteString(c, tc.send)
			time.Sleep(50 * time.Millisecond) // the proxy is in the lookup
			_ = c.(*net.TCPConn).SetLinger(0)
			c.Close() // RST
			time.Sleep(400 * time.Millisecond)
			if evs := r.Close(); len(evs) != 1 {
				t.Errorf("%d events for one attempt: %s", len(evs), eventsText(evs))
			}
		})
	}
}

// TestServeTwoListeners: one proxy serves several listeners; Close ends
// every Serve.
func TestServeTwoListeners(t *testing.T) {
	r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{443}})
	l2, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- r.p.Serve(l2) }()
	for _, addr := range []string{r.Addr, l2.Addr().String()} {
		_, _, resp := connectTunnel(t, addr, "other.test:443", nil)
		if resp.StatusCode != 403 {
			t.Errorf("%s: %s", addr, resp.Status)
		}
	}
	r.WaitEvents(2)
	r.Close()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("second Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the second Serve did not return after Close")
	}
}
