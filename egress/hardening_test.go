package egress

// Tests of the defences added after review: ECH refused, limits before
// lookups, one lookup per name, wide CIDRs, the host's own addresses, the
// cap on open client connections, the request head's end.

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cordonsec/cordon/policy"
)

// echConfigList builds a one-entry ECHConfigList (draft-ietf-tls-esni,
// version 0xfe0d; X25519, HKDF-SHA256, AES-128-GCM) whose public name is
// publicName.
func echConfigList(t *testing.T, publicName string) []byte {
	t.Helper()
	key, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var c bytes.Buffer
	c.WriteByte(7)                                   // config_id
	binary.Write(&c, binary.BigEndian, uint16(0x20)) // kem: X25519
	pub := key.PublicKey().Bytes()
	binary.Write(&c, binary.BigEndian, uint16(len(pub)))
	c.Write(pub)
	binary.Write(&c, binary.BigEndian, uint16(4))                // cipher suites
	binary.Write(&c, binary.BigEndian, []uint16{0x0001, 0x0001}) // HKDF-SHA256, AES-128-GCM
	c.WriteByte(0)                                               // maximum_name_length
	c.WriteByte(byte(len(publicName)))
	c.WriteString(publicName)
	binary.Write(&c, binary.BigEndian, uint16(0)) // extensions
	var cfg bytes.Buffer
	binary.Write(&cfg, binary.BigEndian, uint16(0xfe0d))
	binary.Write(&cfg, binary.BigEndian, uint16(c.Len()))
	cfg.Write(c.Bytes())
	var list bytes.Buffer
	binary.Write(&list, binary.BigEndian, uint16(cfg.Len()))
	list.Write(cfg.Bytes())
	return list.Bytes()
}

// TestECHRefused: a ClientHello with ECH shows the public name outside
// and hides the real one inside; the proxy refuses it rather than trust
// the outer name.
func TestECHRefused(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	go func() {
		c := tls.Client(a, &tls.Config{ServerName: "other.test", MinVersion: tls.VersionTLS13,
			EncryptedClientHelloConfigList: echConfigList(t, "api.test")})
		_ = c.Handshake()
	}()
	hello, _, err := readClientHello(b)
	if err != nil {
		t.Fatalf("readClientHello: %v", err)
	}
	if !hello.ech || hello.sni != "api.test" {
		t.Fatalf("hello %+v, want ECH with outer name api.test", hello)
	}
	r := checkSNI(destination{host: "api.test", port: 443}, hello)
	if r == nil || r.reason != ReasonECH {
		t.Fatalf("checkSNI: %v, want %s", r, ReasonECH)
	}
}

// countResolver counts lookups per name.
type countResolver struct {
	n     atomic.Int64
	names chan string
}

func (c *countResolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	c.n.Add(1)
	select {
	case c.names <- host:
	default:
	}
	return testNames.LookupNetIP(ctx, network, host)
}

// TestLimitsBeforeLookups: once the run's connections or bytes are spent,
// a request is refused before its name is looked up (no data leaves in
// names), and a name is looked up once per run, absolute.
func TestLimitsBeforeLookups(t *testing.T) {
	srv := startTCP(t, serveEcho)
	res := &countResolver{names: make(chan string, 16)}
	r := newProxyRig(t, policy.Network{Domains: []string{"*.wild.test", "api.test"}, Ports: []int{srv.Port},
		CIDRs: []string{serverIP + "/32"}, MaxConnections: 2},
		func(c *Config) { c.Resolver = res })
	// Two tunnels to the same name: one lookup, of "api.test.".
	for i := range 2 {
		c := dialProxy(t, r.Addr)
		fmt.Fprintf(c, "\x05\x01\x00\x05\x01\x00\x03\x08api.test%s", portBytes(srv.Port))
		buf := make([]byte, 12)
		if _, err := io.ReadFull(c, buf); err != nil || buf[3] != socksOK {
			t.Fatalf("SOCKS5 to api.test: %v % x", err, buf)
		}
		c.Close()
		r.WaitEvents(i + 1)
	}
	if n := res.n.Load(); n != 1 {
		t.Errorf("%d lookups for one name, want 1", n)
	}
	if name := <-res.names; name != "api.test." {
		t.Errorf("looked up %q, want the absolute api.test.", name)
	}
	before := len(r.Events())
	for i := range 5 {
		c := dialProxy(t, r.Addr)
		name := "secret-" + strconv.Itoa(i) + ".wild.test"
		fmt.Fprintf(c, "GET http://%s:%d/ HTTP/1.1\r\nHost: %s:%d\r\n\r\n", name, srv.Port, name, srv.Port)
		_, _ = readAll(c)
		c.Close()
	}
	evs := r.WaitEvents(before + 5)
	for _, ev := range evs[before:] {
		if ev.Reason != ReasonConnLimit {
			t.Errorf("after max_connections: %s, want %s", ev.Reason, ReasonConnLimit)
		}
	}
	if n := res.n.Load(); n != 1 {
		t.Errorf("%d lookups: names were looked up after max_connections was spent", n)
	}
}

func portBytes(p int) string { return string([]byte{byte(p >> 8), byte(p)}) }

// TestWideCIDR: 0.0.0.0/0 allows public addresses only; loopback needs a
// narrow entry; the unspecified address never passes.
func TestWideCIDR(t *testing.T) {
	for _, tc := range []struct {
		cidrs []string
		addr  string
		want  bool
	}{
		{[]string{"0.0.0.0/0"}, "127.0.0.2", false},
		{[]string{"0.0.0.0/0"}, "169.254.169.254", false},
		{[]string{"0.0.0.0/0"}, "10.1.2.3", false},
		{[]string{"0.0.0.0/0"}, "8.8.8.8", true},
		{[]string{"::/0"}, "::1", false},
		{[]string{"127.0.0.0/8"}, "127.0.0.2", true},
		{[]string{"10.0.0.0/8"}, "10.1.2.3", true},
		{[]string{"fc00::/7"}, "fd00::1", true},
		{[]string{"0.0.0.0/8"}, "0.0.0.0", false},
		{[]string{"::/128"}, "::", false},
	} {
		rules, err := NewRules(policy.Network{CIDRs: tc.cidrs, Ports: []int{443}})
		if err != nil {
			t.Fatal(err)
		}
		a := netip.MustParseAddr(tc.addr)
		if got := rules.allowAddr(a); got != tc.want {
			t.Errorf("cidrs %v: allowAddr(%s) = %v, want %v", tc.cidrs, a, got, tc.want)
		}
		_, r := rules.check(tc.addr, 443)
		if got := r == nil; got != tc.want {
			t.Errorf("cidrs %v: literal %s allowed = %v, want %v (%v)", tc.cidrs, a, got, tc.want, r)
		}
	}
}

// TestHostAddressSpecial: an address of the supervisor's own host counts
// as special even when public.
func TestHostAddressSpecial(t *testing.T) {
	rules, err := NewRules(policy.Network{Ports: []int{443}})
	if err != nil {
		t.Fatal(err)
	}
	a := netip.MustParseAddr(publicIP)
	if !rules.allowAddr(a) {
		t.Fatal("public address refused")
	}
	rules.host[a] = true
	if rules.allowAddr(a) {
		t.Error("the host's own public address allowed")
	}
}

// TestOpenConnectionCap: with the cap full, a further connection is not
// served until one ends.
func TestOpenConnectionCap(t *testing.T) {
	p, err := New(Config{Network: policy.Network{Domains: []string{"api.test"}, Ports: []int{80}},
		Resolver: testNames, Dialer: &guardDialer{t: t}, RequestTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	p.open = make(chan struct{}, 2)
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go p.Serve(l)
	defer p.Close()
	var idle []net.Conn
	for range 2 {
		c := dialProxy(t, l.Addr().String())
		io.WriteString(c, "G") // being read: held open
		idle = append(idle, c)
	}
	time.Sleep(100 * time.Millisecond)
	c := dialProxy(t, l.Addr().String())
	io.WriteString(c, "GET http://refused.test/ HTTP/1.1\r\nHost: refused.test\r\n\r\n")
	_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if n, err := c.Read(make([]byte, 1)); n > 0 || err == nil {
		t.Fatal("a third connection was served while two held the cap of 2")
	}
	idle[0].Close()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, _ := io.ReadAll(c)
	if !bytes.Contains(b, []byte("403")) {
		t.Errorf("after one closed: %q, want the 403 refusal", b)
	}
	idle[1].Close()
}

// TestHeadEndsAtFirstEmptyLine: a bare-LF head followed by a body holding
// CRLFCRLF is cut at its own empty line, so its Host header is the one
// checked.
func TestHeadEndsAtFirstEmptyLine(t *testing.T) {
	srv := startTCP(t, serveDiscard)
	r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{srv.Port}, CIDRs: []string{serverIP + "/32"}})
	c := dialProxy(t, r.Addr)
	fmt.Fprintf(c, "POST http://api.test:%d/ HTTP/1.1\nHost: other.test:%d\nContent-Length: 24\n\nx\r\nHost: api.test\r\n\r\nyyyy", srv.Port, srv.Port)
	_, _ = readAll(c)
	wantRefused(t, r.WaitEvent(0), ProtoHTTP, "api.test", srv.Port, ReasonHostHeader)
}
