package egress

// HTTP CONNECT: tunnels to allowed names with a real TLS client, and
// every refusal (name, port, address, IP literal, SNI, not TLS) without
// a dial.

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cordonsec/cordon/policy"
)

// tlsGet speaks TLS over c (ServerName sni) and GETs / from host,
// returning the body.
func tlsGet(t testing.TB, c net.Conn, sni, host string) (string, error) {
	t.Helper()
	_, pool := testCertificate(t)
	tc := tls.Client(c, &tls.Config{ServerName: sni, RootCAs: pool})
	if err := tc.Handshake(); err != nil {
		return "", fmt.Errorf("TLS handshake: %w", err)
	}
	if _, err := fmt.Fprintf(tc, "GET /tunnel HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", host); err != nil {
		return "", err
	}
	resp, err := http.ReadResponse(bufio.NewReader(tc), nil)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func TestConnectTLSAllowed(t *testing.T) {
	srv := startWeb(t, true, nil)
	for _, tc := range []struct {
		name      string
		domains   []string
		target    string // CONNECT host (port added)
		sni       string
		pipelined bool // the ClientHello comes in the same write as CONNECT
		host      string
		addr      string // dialled address
	}{
		{name: "exact", domains: []string{"api.test"}, target: "api.test", sni: "api.test", host: "api.test"},
		{name: "case and trailing dot", domains: []string{"api.test"}, target: "API.Test.", sni: "api.test", host: "api.test"},
		{name: "wildcard", domains: []string{"*.wild.test"}, target: "a.wild.test", sni: "a.wild.test", host: "a.wild.test"},
		{name: "wildcard two labels", domains: []string{"*.wild.test"}, target: "a.b.wild.test", sni: "a.b.wild.test", host: "a.b.wild.test"},
		{name: "IP literal in cidrs", domains: nil, target: serverIP, sni: serverIP, host: serverIP},
		{name: "mixed answers dial only the allowed address", domains: []string{"mixed.test"}, target: "mixed.test", sni: "mixed.test", host: "mixed.test"},
		{name: "pipelined ClientHello", domains: []string{"api.test"}, target: "api.test", sni: "api.test", pipelined: true, host: "api.test"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newProxyRig(t, policy.Network{Domains: tc.domains, Ports: []int{srv.Port}, CIDRs: []string{serverIP + "/32"}})
			target := net.JoinHostPort(tc.target, strconv.Itoa(srv.Port))
			var c net.Conn
			var body string
			var err error
			if tc.pipelined {
				// A client that does not wait for 200: the hello is
				// already in the proxy's buffer when it answers.
				c = dialProxy(t, r.Addr)
				_, pool := testCertificate(t)
				pc := &preConn{Conn: c, prefix: []byte(fmt.Sprintf("CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", target, target))}
				tcn := tls.Client(pc, &tls.Config{ServerName: tc.sni, RootCAs: pool})
				pc.skipAnswer = true
				err = tcn.Handshake()
				if err == nil {
					_, err = fmt.Fprintf(tcn, "GET /tunnel HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", tc.host)
				}
				if err == nil {
					var resp *http.Response
					resp, err = http.ReadResponse(bufio.NewReader(tcn), nil)
					if err == nil {
						b, _ := io.ReadAll(resp.Body)
						body = string(b)
						resp.Body.Close()
					}
				}
			} else {
				conn, br, resp := connectTunnel(t, r.Addr, target, nil)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("CONNECT %s: %s", target, resp.Status)
				}
				c = conn
				body, err = tlsGet(t, bufConn{conn, br}, tc.sni, tc.host)
			}
			if err != nil {
				t.Fatalf("through the tunnel: %v", err)
			}
			if !strings.HasPrefix(body, "hello") {
				t.Errorf("body %q", body)
			}
			c.Close()
			ev := r.WaitEvent(0)
			wantAllowed(t, ev, ProtoConnect, tc.host, srv.Port, serverAddr(srv.Port), "")
			if ev.BytesOut <= 0 || ev.BytesIn <= 0 {
				t.Errorf("event bytes out %d in %d, want both > 0", ev.BytesOut, ev.BytesIn)
			}
			if got := r.Dialer.Dials(); !slices.Equal(got, []string{serverAddr(srv.Port)}) {
				t.Errorf("dials %v, want only %s", got, serverAddr(srv.Port))
			}
			r.Close()
			if evs := r.Events(); len(evs) != 1 {
				t.Errorf("%d events, want 1: %s", len(evs), eventsText(evs))
			}
			r.checkStats(t)
		})
	}
}

// preConn writes prefix before the first write (a CONNECT request sent
// together with the ClientHello) and, when skipAnswer, drops the proxy's
// "200" answer before the first read.
type preConn struct {
	net.Conn
	prefix     []byte
	skipAnswer bool
	br         *bufio.Reader
}

func (c *preConn) Write(p []byte) (int, error) {
	if c.prefix != nil {
		b := append(c.prefix, p...)
		c.prefix = nil
		if _, err := c.Conn.Write(b); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return c.Conn.Write(p)
}

func (c *preConn) Read(p []byte) (int, error) {
	if c.br == nil {
		c.br = bufio.NewReader(c.Conn)
	}
	if c.skipAnswer {
		c.skipAnswer = false
		resp, err := http.ReadResponse(c.br, &http.Request{Method: http.MethodConnect})
		if err != nil {
			return 0, err
		}
		if resp.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("CONNECT answered %s", resp.Status)
		}
	}
	return c.br.Read(p)
}

func TestConnectNetHTTPClient(t *testing.T) {
	srv := startWeb(t, true, nil)
	r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{srv.Port}, CIDRs: []string{serverIP + "/32"}})
	cl := proxyClient(t, r.Addr)
	resp, err := cl.Get(fmt.Sprintf("https://api.test:%d/x", srv.Port))
	if err != nil {
		t.Fatalf("GET https through the proxy: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := fmt.Sprintf("hello api.test:%d /x", srv.Port); string(b) != want {
		t.Errorf("body %q, want %q", b, want)
	}
	ev := r.WaitEvent(0)
	wantAllowed(t, ev, ProtoConnect, "api.test", srv.Port, serverAddr(srv.Port), "")

	// A refused name: net/http reports the proxy's answer.
	_, err = cl.Get(fmt.Sprintf("https://other.test:%d/", srv.Port))
	if err == nil || !strings.Contains(err.Error(), "Forbidden") {
		t.Errorf("GET https://other.test through the proxy: err %v, want a 403 Forbidden", err)
	}
	wantRefused(t, r.WaitEvent(1), ProtoConnect, "other.test", srv.Port, ReasonDomain)
	if n := len(r.Dialer.Dials()); n != 1 {
		t.Errorf("%d dials, want 1: %v", n, r.Dialer.Dials())
	}
}

// TestConnectRefused: every refusal is an event with its reason, the
// client gets a clear answer, and the proxy dials nothing.
func TestConnectRefused(t *testing.T) {
	srv := startWeb(t, true, nil)
	p := srv.Port
	hp := func(h string, port int) string { return net.JoinHostPort(h, strconv.Itoa(port)) }
	for _, tc := range []struct {
		name    string
		net     policy.Network
		target  string
		tunnel  []byte // sent after a 200
		status  int
		host    string
		port    int
		reason  Reason
		address string // Address of the event
	}{
		{name: "domain not listed", target: hp("other.test", p), status: 403, host: "other.test", port: p, reason: ReasonDomain},
		{name: "empty allowlist", net: policy.Network{Ports: []int{p}}, target: hp("api.test", p), status: 403, host: "api.test", port: p, reason: ReasonDomain},
		{name: "wildcard does not match the apex", net: policy.Network{Domains: []string{"*.wild.test"}, Ports: []int{p}}, target: hp("wild.test", p), status: 403, host: "wild.test", port: p, reason: ReasonDomain},
		{name: "wildcard is a label boundary", net: policy.Network{Domains: []string{"*.wild.test"}, Ports: []int{p}}, target: hp("xwild.test", p), status: 403, host: "xwild.test", port: p, reason: ReasonDomain},
		{name: "port not allowed", target: hp("api.test", 9), status: 403, host: "api.test", port: 9, reason: ReasonPort},
		{name: "per-domain port replaces global ports", net: policy.Network{Domains: []string{"api.test:8443"}, Ports: []int{p}}, target: hp("api.test", p), status: 403, host: "api.test", port: p, reason: ReasonPort},
		{name: "loopback address not in cidrs", net: policy.Network{Domains: []string{"private.test"}, Ports: []int{p}, CIDRs: []string{serverIP + "/32"}}, target: hp("private.test", p), status: 403, host: "private.test", port: p, reason: ReasonAddress, address: strayIP},
		{name: "private address", net: policy.Network{Domains: []string{"ten.test"}, Ports: []int{p}}, target: hp("ten.test", p), status: 403, host: "ten.test", port: p, reason: ReasonAddress, address: "10.0.0.1"},
		{name: "metadata address", net: policy.Network{Domains: []string{"meta.test"}, Ports: []int{p}, CIDRs: []string{"10.0.0.0/8"}}, target: hp("meta.test", p), status: 403, host: "meta.test", port: p, reason: ReasonAddress, address: "169.254.169.254"},
		{name: "IPv6 loopback answer", net: policy.Network{Domains: []string{"v6.test"}, Ports: []int{p}}, target: hp("v6.test", p), status: 403, host: "v6.test", port: p, reason: ReasonAddress, address: "::1"},
		{name: "IPv4-mapped private answer", net: policy.Network{Domains: []string{"mapped.test"}, Ports: []int{p}}, target: hp("mapped.test", p), status: 403, host: "mapped.test", port: p, reason: ReasonAddress, address: "10.1.2.3"},
		{name: "name does not resolve", net: policy.Network{Domains: []string{"nx.test"}, Ports: []int{p}}, target: hp("nx.test", p), status: 403, host: "nx.test", port: p, reason: ReasonResolve},
		{name: "IP literal outside cidrs", target: hp(strayIP, p), status: 403, host: strayIP, port: p, reason: ReasonIPLiteral},
		{name: "IP literal without cidrs", net: policy.Network{Domains: []string{"api.test"}, Ports: []int{p}}, target: hp(serverIP, p), status: 403, host: serverIP, port: p, reason: ReasonIPLiteral},
		{name: "IPv6 literal", target: "[::1]:" + strconv.Itoa(p), status: 403, host: "::1", port: p, reason: ReasonIPLiteral},
		{name: "IP literal in cidrs on a refused port", target: hp(serverIP, 9), status: 403, host: serverIP, port: 9, reason: ReasonPort},
		{name: "SNI names another host", target: hp("api.test", p), tunnel: clientHello(t, "other.test"), status: 200, host: "api.test", port: p, reason: ReasonSNIMismatch},
		{name: "SNI names a sub-domain", target: hp("api.test", p), tunnel: clientHello(t, "x.api.test"), status: 200, host: "api.test", port: p, reason: ReasonSNIMismatch},
		{name: "SNI missing", target: hp("api.test", p), tunnel: clientHello(t, ""), status: 200, host: "api.test", port: p, reason: ReasonSNIMissing},
		{name: "SNI on an IP literal", target: hp(serverIP, p), tunnel: clientHello(t, "api.test"), status: 200, host: serverIP, port: p, reason: ReasonSNIMismatch},
		{name: "plain HTTP in the tunnel", target: hp("api.test", p), tunnel: []byte("GET / HTTP/1.1\r\nHost: api.test\r\n\r\n"), status: 200, host: "api.test", port: p, reason: ReasonNotTLS},
		{name: "SSH banner in the tunnel", target: hp("api.test", p), tunnel: []byte("SSH-2.0-OpenSSH_9.6\r\n"), status: 200, host: "api.test", port: p, reason: ReasonNotTLS},
		{name: "tunnel closed before a hello", target: hp("api.test", p), tunnel: []byte{}, status: 200, host: "api.test", port: p, reason: ReasonNotTLS},
		{name: "a TLS record that is not a hello", target: hp("api.test", p), tunnel: []byte{0x16, 0x03, 0x01, 0x00, 0x04, 0x0e, 0, 0, 0}, status: 200, host: "api.test", port: p, reason: ReasonNotTLS},
		{name: "no port", target: "api.test", status: 400, host: "", reason: ReasonBadRequest},
		{name: "port out of range", target: hp("api.test", 70000), status: 400, reason: ReasonBadRequest},
		{name: "bad name", target: "api_test..x:" + strconv.Itoa(p), status: 403, host: "api_test..x", port: p, reason: ReasonDomain},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := tc.net
			if n.Domains == nil && n.Ports == nil {
				n = policy.Network{Domains: []string{"api.test"}, Ports: []int{p}, CIDRs: []string{serverIP + "/32"}}
			}
			r := newProxyRig(t, n)
			c, br, resp := connectTunnel(t, r.Addr, tc.target, nil)
			if resp.StatusCode != tc.status {
				t.Fatalf("CONNECT %s: %s, want %d", tc.target, resp.Status, tc.status)
			}
			if tc.status != 200 {
				if got := resp.Header.Get("X-Cordon-Refused"); got != string(tc.reason) {
					t.Errorf("X-Cordon-Refused %q, want %q", got, tc.reason)
				}
				body, _ := io.ReadAll(resp.Body)
				if !strings.HasPrefix(string(body), "cordon: ") {
					t.Errorf("refusal body %q does not say who refused", body)
				}
			} else {
				if _, err := c.Write(tc.tunnel); err != nil {
					t.Fatalf("write into the tunnel: %v", err)
				}
				if len(tc.tunnel) == 0 {
					_ = c.(*net.TCPConn).CloseWrite()
				}
				// The proxy ends the tunnel; at most a TLS alert comes back.
				rest, _ := io.ReadAll(br)
				if len(rest) > 0 && rest[0] != 0x15 {
					t.Errorf("the refused tunnel answered %q, want nothing or a TLS alert", rest)
				}
			}
			ev := r.WaitEvent(0)
			if tc.reason == ReasonBadRequest {
				if ev.Allowed || ev.Reason != ReasonBadRequest || ev.Protocol != ProtoConnect {
					t.Errorf("event %s, want a refused bad request", eventsText([]Event{ev}))
				}
			} else {
				wantRefused(t, ev, ProtoConnect, tc.host, tc.port, tc.reason)
			}
			if ev.Address != tc.address {
				t.Errorf("event Address %q, want %q", ev.Address, tc.address)
			}
			if d := r.Dialer.Dials(); len(d) != 0 {
				t.Errorf("the proxy dialled %v for a refused attempt", d)
			}
			if ev.BytesOut != 0 || ev.BytesIn != 0 {
				t.Errorf("refused event counts bytes out %d in %d", ev.BytesOut, ev.BytesIn)
			}
			r.Close()
			if evs := r.Events(); len(evs) != 1 {
				t.Errorf("%d events, want 1: %s", len(evs), eventsText(evs))
			}
			r.checkStats(t)
		})
	}
	if n := srv.Accepted(); n != 0 {
		t.Errorf("the server accepted %d connections from refused attempts", n)
	}
}

// TestConnectPublicAddress: a name resolving to a public address needs
// no CIDR rule. The guard dialer serves publicIP from a loopback server;
// nothing is sent to publicIP.
func TestConnectPublicAddress(t *testing.T) {
	srv := startWeb(t, true, nil)
	r := newProxyRig(t, policy.Network{Domains: []string{"public.test"}, Ports: []int{srv.Port}})
	pub := net.JoinHostPort(publicIP, strconv.Itoa(srv.Port))
	r.Dialer.redirect = map[string]string{pub: serverAddr(srv.Port)}
	c, br, resp := connectTunnel(t, r.Addr, net.JoinHostPort("public.test", strconv.Itoa(srv.Port)), nil)
	if resp.StatusCode != 200 {
		t.Fatalf("CONNECT public.test: %s", resp.Status)
	}
	if _, err := tlsGet(t, bufConn{c, br}, "public.test", "public.test"); err != nil {
		t.Fatalf("through the tunnel: %v", err)
	}
	c.Close()
	wantAllowed(t, r.WaitEvent(0), ProtoConnect, "public.test", srv.Port, pub, "")
	if d := r.Dialer.Dials(); !slices.Equal(d, []string{pub}) {
		t.Errorf("dials %v, want [%s]", d, pub)
	}
}

// TestConnectRealClientWrongSNI: a real TLS client naming another host
// in a tunnel to an allowed one fails its handshake, and the server
// never sees a connection.
func TestConnectRealClientWrongSNI(t *testing.T) {
	srv := startWeb(t, true, nil)
	r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{srv.Port}, CIDRs: []string{serverIP + "/32"}})
	c, br, resp := connectTunnel(t, r.Addr, net.JoinHostPort("api.test", strconv.Itoa(srv.Port)), nil)
	if resp.StatusCode != 200 {
		t.Fatalf("CONNECT: %s", resp.Status)
	}
	_, err := tlsGet(t, bufConn{c, br}, "other.test", "other.test")
	if err == nil {
		t.Fatal("a TLS handshake naming other.test through a tunnel to api.test succeeded")
	}
	wantRefused(t, r.WaitEvent(0), ProtoConnect, "api.test", srv.Port, ReasonSNIMismatch)
	if n := srv.Accepted(); n != 0 || len(r.Dialer.Dials()) != 0 {
		t.Errorf("server accepted %d connections, dials %v; want none", n, r.Dialer.Dials())
	}
}

// TestConnectResolvesOnce: the address checked is the address dialled;
// a second, different answer (DNS rebinding) is never asked for.
func TestConnectResolvesOnce(t *testing.T) {
	srv := startWeb(t, true, nil)
	res := &flipResolver{first: serverIP, then: strayIP}
	r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{srv.Port}, CIDRs: []string{"127.0.0.0/8"}},
		func(c *Config) { c.Resolver = res })
	r.Dialer.allow = func(a string) bool { return a == serverAddr(srv.Port) }
	c, br, resp := connectTunnel(t, r.Addr, net.JoinHostPort("api.test", strconv.Itoa(srv.Port)), nil)
	if resp.StatusCode != 200 {
		t.Fatalf("CONNECT: %s", resp.Status)
	}
	if _, err := tlsGet(t, bufConn{c, br}, "api.test", "api.test"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	wantAllowed(t, r.WaitEvent(0), ProtoConnect, "api.test", srv.Port, serverAddr(srv.Port), "")
	if n := res.calls.Load(); n != 1 {
		t.Errorf("the proxy resolved api.test %d times for one attempt, want 1", n)
	}
}
