package egress

// Fuzz tests of the parsers of untrusted input: whatever a client sends
// first (HTTP, CONNECT, SOCKS5, TLS), the ClientHello reader, and the
// --resolve pin parser. The client fuzz runs a real proxy per input; its
// dialer fails the input if the proxy asks for any address the rules do
// not allow, and every input must end (no hang) and keep events and
// Stats in agreement.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/cordonsec/cordon/policy"
)

// fuzzAllowed is what the fuzz proxy may dial: api.test, *.wild.test and
// 127.0.0.2 resolve or are there, on ports 80 and 443 only.
var fuzzAllowed = map[string]bool{"127.0.0.2:80": true, "127.0.0.2:443": true}

func socksSeed(atyp byte, addr []byte, port uint16, cmd byte, tail []byte) []byte {
	b := []byte{5, 1, 0, 5, cmd, 0, atyp}
	b = append(b, addr...)
	b = binary.BigEndian.AppendUint16(b, port)
	return append(b, tail...)
}

func socksName(name string) []byte { return append([]byte{byte(len(name))}, name...) }

func FuzzClientBytes(f *testing.F) {
	hello := clientHello(f, "api.test")
	connect := func(target string, tail []byte) []byte {
		return append([]byte("CONNECT "+target+" HTTP/1.1\r\nHost: "+target+"\r\n\r\n"), tail...)
	}
	for _, seed := range [][]byte{
		nil,
		{0x05},
		[]byte("garbage\r\n\r\n"),
		hello, // TLS straight at the proxy
		connect("api.test:443", hello),
		connect("api.test:443", clientHello(f, "other.test")),
		connect("api.test:443", clientHello(f, "")),
		connect("127.0.0.2:443", clientHello(f, "")),
		connect("[::ffff:127.0.0.2]:443", clientHello(f, "")),
		connect("a.wild.test:443", []byte("GET / HTTP/1.1\r\n\r\n")),
		connect("private.test:443", hello),
		connect("api.test:22", hello),
		connect("api.test", nil),
		[]byte("GET http://api.test/ HTTP/1.1\r\nHost: api.test\r\n\r\n"),
		[]byte("GET http://api.test/ HTTP/1.1\r\nHost: other.test\r\n\r\n"),
		[]byte("GET http://api.test/ HTTP/1.1\r\nHost: api.test\r\n\r\nGET http://private.test/ HTTP/1.1\r\nHost: private.test\r\n\r\n"),
		[]byte("GET http://api.test/ HTTP/1.1\r\nHost: api.test\r\n\r\nCONNECT api.test:443 HTTP/1.1\r\n\r\n"),
		[]byte("POST http://b.wild.test/ HTTP/1.1\r\nHost: b.wild.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
		[]byte("POST http://api.test/ HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET http://127.0.0.3/ HTTP/1.1\r\n\r\n"),
		[]byte("GET http://127.0.0.3/ HTTP/1.1\r\n\r\n"),
		[]byte("GET http://api.test:443/ HTTP/1.0\r\n\r\n"),
		[]byte("GET http://api.test@127.0.0.3/ HTTP/1.1\r\n\r\n"),
		[]byte("GET http://[::1]:80/ HTTP/1.1\r\n\r\n"),
		socksSeed(3, socksName("api.test"), 443, 1, hello),
		socksSeed(3, socksName("api.test."), 80, 1, []byte("GET / HTTP/1.0\r\n\r\n")),
		socksSeed(3, socksName("api.test"), 443, 1, clientHello(f, "evil.test")),
		socksSeed(3, socksName("private.test"), 443, 1, nil),
		socksSeed(3, socksName("127.0.0.3"), 80, 1, nil),
		socksSeed(1, []byte{127, 0, 0, 2}, 80, 1, []byte("hi")),
		socksSeed(1, []byte{127, 0, 0, 3}, 80, 1, nil),
		socksSeed(4, ipv6Bytes("::1"), 80, 1, nil),
		socksSeed(3, socksName("api.test"), 443, 2, nil),
		socksSeed(3, socksName("api.test"), 443, 3, nil),
		socksSeed(9, nil, 443, 1, nil),
		{5, 0},
		{5, 1, 2},
	} {
		f.Add(seed)
	}

	upstream := startTCP(f, func(c net.Conn) {
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		_, _ = io.Copy(io.Discard, c)
	})
	real := serverAddr(upstream.Port)

	f.Fuzz(func(t *testing.T, in []byte) {
		r := newProxyRig(t, policy.Network{
			Domains:        []string{"api.test", "*.wild.test"},
			Ports:          []int{80, 443},
			CIDRs:          []string{serverIP + "/32"},
			MaxConnections: 4,
			MaxBytesOut:    1 << 20,
			MaxBytesIn:     1 << 20,
			ConnectionTime: policy.Duration(3 * time.Second),
		}, func(c *Config) { c.RequestTimeout = time.Second })
		r.Dialer.allow = func(a string) bool { return fuzzAllowed[a] }
		r.Dialer.redirect = map[string]string{"127.0.0.2:80": real, "127.0.0.2:443": real}

		c, err := net.DialTimeout("tcp4", r.Addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(8 * time.Second))
		go func() {
			_, _ = c.Write(in)
			_ = c.(*net.TCPConn).CloseWrite()
		}()
		start := time.Now()
		_, err = io.Copy(io.Discard, c)
		if ne := net.Error(nil); errors.As(err, &ne) && ne.Timeout() {
			t.Errorf("the proxy held the connection for %v after the client stopped sending", time.Since(start))
		}
		evs := r.Close()
		t.Logf("events: %s", eventsText(evs))
		for _, ev := range evs {
			if ev.Message == "" || ev.Protocol == "" {
				t.Errorf("event without message or protocol: %+v", ev)
			}
			if !ev.Allowed {
				continue
			}
			if !fuzzAllowed[ev.Address] {
				t.Errorf("allowed event to %q", ev.Address)
			}
			if ev.Port != 80 && ev.Port != 443 {
				t.Errorf("allowed event on port %d", ev.Port)
			}
			if ev.Host != "api.test" && !strings.HasSuffix(ev.Host, ".wild.test") && ev.Host != serverIP {
				t.Errorf("allowed event for host %q", ev.Host)
			}
		}
		if d := r.Dialer.Dials(); len(d) > 4 {
			t.Errorf("%d dials with max_connections 4", len(d))
		}
		r.checkStats(t)
	})
}

// FuzzReadClientHello: the reader never panics, returns only bytes it
// read (a prefix of the input, to be replayed), and a server name only
// from a hello crypto/tls accepted.
func FuzzReadClientHello(f *testing.F) {
	for _, sni := range []string{"api.test", "", "xn--bcher-kva.test", "a.b.c.d.e.f"} {
		h := clientHello(f, sni)
		f.Add(h)
		f.Add(h[:len(h)/2])
		f.Add(append(h, "trailing application data"...))
	}
	f.Add([]byte{0x16, 0x03, 0x01, 0xff, 0xff})
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		hello, raw, err := readClientHello(bytes.NewReader(in))
		sni := hello.sni
		if !bytes.HasPrefix(in, raw) {
			t.Fatalf("raw (%d bytes) is not a prefix of the input (%d bytes)", len(raw), len(in))
		}
		if err != nil && sni != "" {
			t.Errorf("a server name %q with an error %v", sni, err)
		}
		if err == nil && len(raw) < 5 {
			t.Errorf("a hello accepted from %d bytes", len(raw))
		}
	})
}

// FuzzParseResolve: a pin that parses prints back to one that parses to
// the same name and addresses.
func FuzzParseResolve(f *testing.F) {
	for _, s := range []string{"api.test=127.0.0.2", "API.test.=::1,10.0.0.1", "x=1.2.3.4", "=", "a=b", "*.a=1.1.1.1", "bücher.test=::ffff:1.2.3.4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, addrs, err := ParseResolve(s)
		if err != nil {
			return
		}
		if name == "" || len(addrs) == 0 {
			t.Fatalf("ParseResolve(%q) = %q %v without an error", s, name, addrs)
		}
		var parts []string
		for _, a := range addrs {
			if a.Is4In6() {
				t.Errorf("address %v not unmapped", a)
			}
			parts = append(parts, a.String())
		}
		again := name + "=" + strings.Join(parts, ",")
		n2, a2, err := ParseResolve(again)
		if err != nil || n2 != name || len(a2) != len(addrs) {
			t.Fatalf("ParseResolve(%q) = %q %v; printed back %q parses to %q %v %v", s, name, addrs, again, n2, a2, err)
		}
		for i := range a2 {
			if a2[i] != addrs[i] {
				t.Errorf("address %d: %v then %v", i, addrs[i], a2[i])
			}
		}
	})
}
