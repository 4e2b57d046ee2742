package egress

// SOCKS5: a small client written here byte by byte (so that every reply
// code can be checked), name and address types, unsupported commands
// and methods, TLS streams with their server name checked, and servers
// that speak first.

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/cordonsec/cordon/policy"
)

const (
	socksCmdConnect = 0x01
	socksCmdBind    = 0x02
	socksCmdUDP     = 0x03
)

// socksAddr encodes host as ATYP and DST.ADDR: an IP literal as IPv4 or
// IPv6, anything else as a name.
func socksAddr(host string) (byte, []byte) {
	if a, err := netip.ParseAddr(host); err == nil {
		if a.Is4() {
			b := a.As4()
			return 0x01, b[:]
		}
		b := a.As16()
		return 0x04, b[:]
	}
	return 0x03, append([]byte{byte(len(host))}, host...)
}

// socksRequest is one SOCKS5 exchange as the client sends it.
type socksRequest struct {
	methods []byte // offered methods; nil: no authentication only
	cmd     byte   // 0: CONNECT
	atyp    byte   // 0: from host
	addr    []byte // DST.ADDR as sent (with the length byte for a name)
	host    string
	port    int
}

// socksDial runs the greeting and the request and returns the connection,
// the method the proxy chose and its reply code (0xff when the method was
// refused and no request was sent).
func socksDial(t testing.TB, proxyAddr string, r socksRequest) (net.Conn, byte) {
	t.Helper()
	c := dialProxy(t, proxyAddr)
	methods := r.methods
	if methods == nil {
		methods = []byte{0x00}
	}
	if _, err := c.Write(append([]byte{0x05, byte(len(methods))}, methods...)); err != nil {
		t.Fatalf("SOCKS greeting: %v", err)
	}
	var m [2]byte
	if _, err := io.ReadFull(c, m[:]); err != nil {
		t.Fatalf("SOCKS method answer: %v", err)
	}
	if m[0] != 0x05 {
		t.Fatalf("SOCKS method answer %x", m)
	}
	if m[1] != 0x00 {
		return c, 0xff
	}
	cmd, atyp, addr := r.cmd, r.atyp, r.addr
	if cmd == 0 {
		cmd = socksCmdConnect
	}
	if addr == nil {
		atyp, addr = socksAddr(r.host)
	}
	req := append([]byte{0x05, cmd, 0x00, atyp}, addr...)
	req = binary.BigEndian.AppendUint16(req, uint16(r.port))
	if _, err := c.Write(req); err != nil {
		t.Fatalf("SOCKS request: %v", err)
	}
	var rep [10]byte
	if _, err := io.ReadFull(c, rep[:]); err != nil {
		t.Fatalf("SOCKS reply: %v", err)
	}
	if rep[0] != 0x05 || rep[2] != 0 || rep[3] != 0x01 {
		t.Errorf("malformed SOCKS reply %x", rep)
	}
	return c, rep[1]
}

func TestSOCKSConnect(t *testing.T) {
	echo := startTCP(t, serveEcho)
	p := echo.Port
	closed := listenServer(t)
	dead := portOf(closed.Addr())
	closed.Close()
	for _, tc := range []struct {
		name   string
		req    socksRequest
		reply  byte
		host   string
		reason Reason // "" allowed
		dial   bool   // the proxy dials (allowed, or dial-failed)
	}{
		{name: "name", req: socksRequest{host: "api.test", port: p}, host: "api.test", dial: true},
		{name: "name in another spelling", req: socksRequest{host: "API.Test.", port: p}, host: "api.test", dial: true},
		{name: "IPv4 in cidrs", req: socksRequest{host: serverIP, port: p}, host: serverIP, dial: true},
		{name: "IPv4-mapped IPv6 in cidrs", req: socksRequest{atyp: 0x04, addr: ipv6Bytes("::ffff:" + serverIP), port: p}, host: serverIP, dial: true},
		{name: "Unicode name", req: socksRequest{host: "bücher.test", port: p}, host: "xn--bcher-kva.test", dial: true},
		{name: "homograph of a listed name", req: socksRequest{host: "аpi.test", port: p}, reply: 0x02, host: "xn--pi-6kc.test", reason: ReasonDomain},
		{name: "name not listed", req: socksRequest{host: "other.test", port: p}, reply: 0x02, host: "other.test", reason: ReasonDomain},
		{name: "port not allowed", req: socksRequest{host: "api.test", port: 22}, reply: 0x02, host: "api.test", reason: ReasonPort},
		{name: "IPv4 outside cidrs", req: socksRequest{host: strayIP, port: p}, reply: 0x02, host: strayIP, reason: ReasonIPLiteral},
		{name: "IPv4 metadata", req: socksRequest{host: "169.254.169.254", port: p}, reply: 0x02, host: "169.254.169.254", reason: ReasonIPLiteral},
		{name: "IPv6 loopback", req: socksRequest{host: "::1", port: p}, reply: 0x02, host: "::1", reason: ReasonIPLiteral},
		{name: "address sent as a name", req: socksRequest{atyp: 0x03, addr: append([]byte{byte(len(strayIP))}, strayIP...), port: p}, reply: 0x02, host: strayIP, reason: ReasonIPLiteral},
		{name: "private answer", req: socksRequest{host: "private.test", port: p}, reply: 0x02, host: "private.test", reason: ReasonAddress},
		{name: "name does not resolve", req: socksRequest{host: "nx.test", port: p}, reply: 0x04, host: "nx.test", reason: ReasonResolve},
		{name: "nothing listens", req: socksRequest{host: "api.test", port: dead}, reply: 0x05, host: "api.test", reason: ReasonDial, dial: true},
		{name: "BIND", req: socksRequest{cmd: socksCmdBind, host: "api.test", port: p}, reply: 0x07, host: "api.test", reason: ReasonBadRequest},
		{name: "UDP ASSOCIATE", req: socksRequest{cmd: socksCmdUDP, host: "0.0.0.0", port: 0}, reply: 0x07, host: "0.0.0.0", reason: ReasonBadRequest},
		{name: "unknown address type", req: socksRequest{atyp: 0x09, addr: []byte{}, port: p}, reply: 0x08, reason: ReasonBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newProxyRig(t, policy.Network{
				Domains: []string{"api.test", "private.test", "nx.test", "xn--bcher-kva.test"},
				Ports:   []int{p, dead},
				CIDRs:   []string{serverIP + "/32"},
			})
			c, code := socksDial(t, r.Addr, tc.req)
			if code != tc.reply {
				t.Fatalf("SOCKS reply %#x, want %#x", code, tc.reply)
			}
			port := tc.req.port
			if tc.reason == "" {
				msg := []byte("ping through socks")
				if _, err := c.Write(msg); err != nil {
					t.Fatal(err)
				}
				got := make([]byte, len(msg))
				if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, msg) {
					t.Fatalf("echo: %q %v", got, err)
				}
				c.Close()
				ev := r.WaitEvent(0)
				wantAllowed(t, ev, ProtoSOCKS5, tc.host, port, serverAddr(port), "")
				if ev.BytesOut != int64(len(msg)) || ev.BytesIn != int64(len(msg)) {
					t.Errorf("event bytes out %d in %d, want %d each", ev.BytesOut, ev.BytesIn, len(msg))
				}
			} else {
				if rest, _ := io.ReadAll(c); len(rest) != 0 {
					t.Errorf("after refusing, the proxy sent %q", rest)
				}
				ev := r.WaitEvent(0)
				if tc.host == "" {
					if ev.Allowed || ev.Reason != tc.reason || ev.Protocol != ProtoSOCKS5 {
						t.Errorf("event %s, want refused %s", eventsText([]Event{ev}), tc.reason)
					}
				} else {
					wantRefused(t, ev, ProtoSOCKS5, tc.host, port, tc.reason)
				}
			}
			if d := r.Dialer.Dials(); (len(d) > 0) != tc.dial {
				t.Errorf("dials %v, want a dial: %v", d, tc.dial)
			}
			r.Close()
			if evs := r.Events(); len(evs) != 1 {
				t.Errorf("%d events, want 1: %s", len(evs), eventsText(evs))
			}
			r.checkStats(t)
		})
	}
}

func ipv6Bytes(s string) []byte {
	b := netip.MustParseAddr(s).As16()
	return b[:]
}

// TestSOCKSMethods: a client offering only authentication methods is
// told no acceptable method, and that is a refused attempt.
func TestSOCKSMethods(t *testing.T) {
	r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{443}})
	c, code := socksDial(t, r.Addr, socksRequest{methods: []byte{0x02, 0x01}})
	if code != 0xff {
		t.Fatalf("the proxy accepted a method other than no-auth")
	}
	if rest, _ := io.ReadAll(c); len(rest) != 0 {
		t.Errorf("after refusing the methods the proxy sent %q", rest)
	}
	ev := r.WaitEvent(0)
	if ev.Allowed || ev.Reason != ReasonBadRequest || ev.Protocol != ProtoSOCKS5 {
		t.Errorf("event %s, want a refused bad request", eventsText([]Event{ev}))
	}
}

// TestSOCKSTLS: TLS over SOCKS works when the ClientHello names the host
// asked for; naming another host is refused before a byte reaches the
// server.
func TestSOCKSTLS(t *testing.T) {
	web := startWeb(t, true, nil)
	raw := startTCP(t, serveDiscard)
	r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{web.Port, raw.Port}, CIDRs: []string{serverIP + "/32"}})

	c, code := socksDial(t, r.Addr, socksRequest{host: "api.test", port: web.Port})
	if code != 0 {
		t.Fatalf("SOCKS reply %#x", code)
	}
	body, err := tlsGet(t, c, "api.test", "api.test")
	if err != nil || body != "hello api.test /tunnel" {
		t.Fatalf("TLS over SOCKS: %q %v", body, err)
	}
	c.Close()
	wantAllowed(t, r.WaitEvent(0), ProtoSOCKS5, "api.test", web.Port, serverAddr(web.Port), "")

	for i, sni := range []string{"other.test", "x.api.test"} {
		c, code = socksDial(t, r.Addr, socksRequest{host: "api.test", port: raw.Port})
		if code != 0 {
			t.Fatalf("SOCKS reply %#x", code)
		}
		if _, err := c.Write(clientHello(t, sni)); err != nil {
			t.Fatal(err)
		}
		rest, _ := io.ReadAll(c)
		if len(rest) > 0 && rest[0] != 0x15 {
			t.Errorf("SNI %s: the proxy answered %q, want at most a TLS alert", sni, rest)
		}
		ev := r.WaitEvent(1 + i)
		if ev.Allowed || ev.Reason != ReasonSNIMismatch || ev.Host != "api.test" || ev.Protocol != ProtoSOCKS5 {
			t.Errorf("SNI %s: event %s, want refused sni-mismatch", sni, eventsText([]Event{ev}))
		}
		if ev.BytesOut != 0 {
			t.Errorf("SNI %s: the event counts %d bytes sent upstream", sni, ev.BytesOut)
		}
	}
	r.Close()
	if n := raw.received.Load(); n != 0 {
		t.Errorf("the server received %d bytes of refused TLS streams", n)
	}
	r.checkStats(t)
}

// TestSOCKSServerSpeaksFirst: a protocol whose server talks first (SMTP,
// SSH) works over SOCKS: the proxy does not wait for client bytes.
func TestSOCKSServerSpeaksFirst(t *testing.T) {
	banner := "220 mail.api.test ESMTP\r\n"
	srv := startTCP(t, func(c net.Conn) {
		_, _ = io.WriteString(c, banner)
		_, _ = io.Copy(io.Discard, c)
	})
	r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{srv.Port}, CIDRs: []string{serverIP + "/32"}})
	c, code := socksDial(t, r.Addr, socksRequest{host: "api.test", port: srv.Port})
	if code != 0 {
		t.Fatalf("SOCKS reply %#x", code)
	}
	got := make([]byte, len(banner))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != banner {
		t.Fatalf("banner %q %v", got, err)
	}
	c.Close()
	ev := r.WaitEvent(0)
	wantAllowed(t, ev, ProtoSOCKS5, "api.test", srv.Port, serverAddr(srv.Port), "")
	if ev.BytesIn != int64(len(banner)) {
		t.Errorf("BytesIn %d, want %d", ev.BytesIn, len(banner))
	}
}

// TestSOCKSPipelined: a client that sends greeting, request and data in
// one write (as some do, optimistically) is served.
func TestSOCKSPipelined(t *testing.T) {
	echo := startTCP(t, serveEcho)
	r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{echo.Port}, CIDRs: []string{serverIP + "/32"}})
	c := dialProxy(t, r.Addr)
	atyp, addr := socksAddr("api.test")
	msg := append([]byte{5, 1, 0, 5, 1, 0, atyp}, addr...)
	msg = binary.BigEndian.AppendUint16(msg, uint16(echo.Port))
	msg = append(msg, "data"...)
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	want := []byte{5, 0, 5, 0, 0, 1, 0, 0, 0, 0, 0, 0, 'd', 'a', 't', 'a'}
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("got %q %v, want %q", got, err, want)
	}
	c.Close()
	wantAllowed(t, r.WaitEvent(0), ProtoSOCKS5, "api.test", echo.Port, serverAddr(echo.Port), "")
}

// helloTrailingDot is a ClientHello whose server name is "evil.test."
// (crypto/tls refuses to parse a name ending in a dot; other TLS servers
// take it as evil.test).
func helloTrailingDot(t testing.TB) []byte {
	h := clientHello(t, "evil.tests")
	if bytes.Count(h, []byte("evil.tests")) != 1 {
		t.Fatalf("the server name is not once in the hello")
	}
	return bytes.Replace(h, []byte("evil.tests"), []byte("evil.test."), 1)
}

// TestTLSCheckFailsClosed: a ClientHello the proxy cannot read must not
// pass its server-name check: in a CONNECT tunnel and in a SOCKS stream
// alike, nothing reaches the server.
func TestTLSCheckFailsClosed(t *testing.T) {
	raw := startTCP(t, serveDiscard)
	r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{raw.Port}, CIDRs: []string{serverIP + "/32"}})
	target := net.JoinHostPort("api.test", strconv.Itoa(raw.Port))
	// A warning alert (user_canceled) before the hello: crypto/tls
	// servers skip it and read the hello that follows.
	alertFirst := append([]byte{0x15, 0x03, 0x01, 0x00, 0x02, 0x01, 90}, clientHello(t, "evil.test")...)
	i := 0
	for _, hello := range []struct {
		name  string
		bytes []byte
	}{{"trailing dot", helloTrailingDot(t)}, {"alert first", alertFirst}} {
		for _, proto := range []Protocol{ProtoConnect, ProtoSOCKS5} {
			t.Run(hello.name+"/"+string(proto), func(t *testing.T) {
				var c net.Conn
				if proto == ProtoConnect {
					var resp *http.Response
					c, _, resp = connectTunnel(t, r.Addr, target, nil)
					if resp.StatusCode != 200 {
						t.Fatal(resp.Status)
					}
				} else {
					var code byte
					c, code = socksDial(t, r.Addr, socksRequest{host: "api.test", port: raw.Port})
					if code != 0 {
						t.Fatalf("SOCKS reply %#x", code)
					}
				}
				before := raw.received.Load()
				if _, err := c.Write(hello.bytes); err != nil {
					t.Fatal(err)
				}
				_ = c.(*net.TCPConn).CloseWrite()
				_, _ = io.Copy(io.Discard, c)
				ev := r.WaitEvent(i)
				if ev.Allowed || ev.BytesOut != 0 {
					t.Errorf("a ClientHello for evil.test in a stream to api.test: %s", eventsText([]Event{ev}))
				}
				time.Sleep(20 * time.Millisecond)
				if n := raw.received.Load() - before; n != 0 {
					t.Errorf("the server received %d bytes of a hello naming evil.test", n)
				}
			})
			i++
		}
	}
	r.Close()
}

// TestSOCKSHalfClose: the client's end of sending is passed on as such;
// the server's answer after it still arrives.
func TestSOCKSHalfClose(t *testing.T) {
	srv := startTCP(t, func(c net.Conn) {
		n, _ := io.Copy(io.Discard, c)
		fmt.Fprintf(c, "got %d bytes", n)
	})
	r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{srv.Port}, CIDRs: []string{serverIP + "/32"}})
	c, code := socksDial(t, r.Addr, socksRequest{host: "api.test", port: srv.Port})
	if code != 0 {
		t.Fatalf("SOCKS reply %#x", code)
	}
	c.Write(make([]byte, 12345))
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(c)
	if err != nil || string(b) != "got 12345 bytes" {
		t.Errorf("answer after half-close %q %v", b, err)
	}
	ev := r.WaitEvent(0)
	wantAllowed(t, ev, ProtoSOCKS5, "api.test", srv.Port, serverAddr(srv.Port), "")
	if ev.BytesOut != 12345 || ev.BytesIn != int64(len(b)) {
		t.Errorf("event bytes out %d in %d, want 12345 and %d", ev.BytesOut, ev.BytesIn, len(b))
	}
}

// TestSOCKSIntegrity: megabytes each way arrive intact and are counted
// exactly, with byte limits set (the budgeted splice path) and without.
func TestSOCKSIntegrity(t *testing.T) {
	const size = 6<<20 + 12345
	data := make([]byte, size)
	rand.Read(data)
	want := sha256.Sum256(data)
	for _, limit := range []policy.Size{0, 64 << 20} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			echo := startTCP(t, serveEcho)
			r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{echo.Port}, CIDRs: []string{serverIP + "/32"},
				MaxBytesIn: limit, MaxBytesOut: limit, MaxConnections: 4})
			c, code := socksDial(t, r.Addr, socksRequest{host: "api.test", port: echo.Port})
			if code != 0 {
				t.Fatalf("SOCKS reply %#x", code)
			}
			werr := make(chan error, 1)
			go func() {
				// Odd-sized writes.
				var err error
				for off := 0; off < size && err == nil; off += 100_003 {
					_, err = c.Write(data[off:min(off+100_003, size)])
				}
				if err == nil {
					err = c.(*net.TCPConn).CloseWrite()
				}
				werr <- err
			}()
			h := sha256.New()
			n, err := io.Copy(h, c)
			if err != nil || n != size || !bytes.Equal(h.Sum(nil), want[:]) {
				t.Errorf("echo: %d of %d bytes, error %v, digest equal %v", n, size, err, bytes.Equal(h.Sum(nil), want[:]))
			}
			if err := <-werr; err != nil {
				t.Errorf("write: %v", err)
			}
			ev := r.WaitEvent(0)
			wantAllowed(t, ev, ProtoSOCKS5, "api.test", echo.Port, serverAddr(echo.Port), "")
			if ev.BytesOut != size || ev.BytesIn != size {
				t.Errorf("event bytes out %d in %d, want %d each", ev.BytesOut, ev.BytesIn, size)
			}
			r.Close()
			r.checkStats(t)
		})
	}
}
