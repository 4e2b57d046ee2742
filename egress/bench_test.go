package egress

// What the proxy costs against a direct connection on loopback (issue 6,
// "Performance — benchmark"): throughput in MB/s over one long connection
// and the time one short connection takes, direct and through each of the
// proxy's protocols. bench/egress.sh runs these and prints the ratios
// against the targets (>= 80 % of direct throughput, <= 1 ms added per
// connection).
//
// Rules of this file: servers listen on 127.0.0.2 only, the proxy on
// 127.0.0.1; nothing is ever sent to any other address. The name
// bench.test is pinned to 127.0.0.2 with a StaticResolver and allowed by a
// CIDR rule, as `cordon run --resolve` would. Every proxied variant checks
// afterwards, in the proxy's own totals, that its bytes really went
// through the proxy, so a benchmark that silently ran direct fails.
//
// TLS variants compare the same thing three ways (TLS end to end to a
// server with a certificate for bench.test): direct, in a CONNECT tunnel
// (whose ClientHello the proxy checks) and over SOCKS5. Plain TCP compares
// direct with SOCKS5 (CONNECT carries TLS only). Plain HTTP compares a
// direct GET with one forwarded by the proxy.

import (
	"bufio"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cordonsec/cordon/policy"
)

const (
	benchHost   = "bench.test"
	benchServer = "127.0.0.2" // every test server; never any other address
	benchProxy  = "127.0.0.1"
	// benchChunk is one benchmark op of the throughput benchmarks.
	benchChunk = 1 << 20
	// benchBuf is the read and write buffer of the clients and servers,
	// large enough that the endpoints are not what limits loopback.
	benchBuf = 256 << 10
)

// Commands of the stream server: a byte and a big-endian uint64 n.
const (
	cmdDownload = 'D' // the server sends n bytes
	cmdUpload   = 'U' // the server reads n bytes, then answers one byte
	// cmdEcho: the server reads n bytes, sends them back and closes (as
	// an HTTP server does after "Connection: close"). The server closing
	// first leaves TIME_WAIT on the accepting side: when the client
	// closed first, tens of thousands of TIME_WAIT sockets on the
	// connecting side slowed every connect's port search and the
	// benchmark measured that instead of the proxy.
	cmdEcho = 'E'
)

// benchRig is one set of servers on 127.0.0.2 and one proxy on
// 127.0.0.1, torn down at the end of the benchmark or test.
type benchRig struct {
	tlsPort, tcpPort, httpPort int
	proxyAddr                  string
	// relays maps a server port to a bare relay on 127.0.0.1 that
	// forwards to it: the floor any relaying proxy pays (see routeRelay).
	relays    map[int]string
	proxy     *Proxy
	clientTLS *tls.Config
}

// newBenchRig starts the servers and a proxy allowing bench.test on
// their ports, with limits generous enough not to cut the benchmark but
// set (as the policy validator requires), so the proxy takes its
// production path: budgeted splicing in chunks.
func newBenchRig(tb testing.TB, maxConns int) *benchRig {
	tb.Helper()
	cert, roots := testCertificate(tb) // names bench.test too
	r := &benchRig{clientTLS: &tls.Config{ServerName: benchHost, RootCAs: roots}}

	var servers sync.WaitGroup
	var mu sync.Mutex
	live := map[net.Conn]struct{}{}
	listen := func() net.Listener {
		l, err := net.Listen("tcp", net.JoinHostPort(benchServer, "0"))
		if err != nil {
			tb.Fatalf("listen on %s: %v", benchServer, err)
		}
		return l
	}
	// serve accepts on l until it closes, handing each connection to h
	// and keeping it in live while h runs.
	serve := func(l net.Listener, h func(net.Conn)) {
		servers.Add(1)
		go func() {
			defer servers.Done()
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				mu.Lock()
				live[c] = struct{}{}
				mu.Unlock()
				servers.Add(1)
				go func() {
					defer servers.Done()
					h(c)
					mu.Lock()
					delete(live, c)
					mu.Unlock()
				}()
			}
		}()
	}
	tcpL := listen()
	tlsL := tls.NewListener(listen(), &tls.Config{Certificates: []tls.Certificate{cert}})
	httpL := listen()
	r.tcpPort = tcpL.Addr().(*net.TCPAddr).Port
	r.tlsPort = tlsL.Addr().(*net.TCPAddr).Port
	r.httpPort = httpL.Addr().(*net.TCPAddr).Port
	serve(tcpL, streamServer)
	serve(tlsL, streamServer)
	r.relays = map[int]string{}
	var relayLs []net.Listener
	for _, port := range []int{r.tcpPort, r.tlsPort} {
		l, err := net.Listen("tcp", net.JoinHostPort(benchProxy, "0"))
		if err != nil {
			tb.Fatalf("listen on %s: %v", benchProxy, err)
		}
		r.relays[port] = l.Addr().String()
		target := net.JoinHostPort(benchServer, strconv.Itoa(port))
		serve(l, func(c net.Conn) { bareRelay(c, target) })
		relayLs = append(relayLs, l)
	}
	hs := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Length", "3")
			_, _ = io.WriteString(w, "ok\n")
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	servers.Add(1)
	go func() {
		defer servers.Done()
		_ = hs.Serve(httpL)
	}()
	tb.Cleanup(func() {
		tcpL.Close()
		tlsL.Close()
		for _, l := range relayLs {
			l.Close()
		}
		hs.Close()
		mu.Lock()
		for c := range live {
			c.Close()
		}
		mu.Unlock()
		servers.Wait()
	})

	p, err := New(Config{
		Network: policy.Network{
			Mode:           policy.NetworkAllowlist,
			Domains:        []string{benchHost},
			Ports:          []int{r.tlsPort, r.tcpPort, r.httpPort},
			CIDRs:          []string{benchServer + "/32"},
			MaxConnections: maxConns,
			MaxBytesOut:    1 << 40,
			MaxBytesIn:     1 << 40,
			ConnectionTime: policy.Duration(10 * time.Minute),
		},
		Resolver: StaticResolver{benchHost: {netip.MustParseAddr(benchServer)}},
	})
	if err != nil {
		tb.Fatalf("egress.New: %v", err)
	}
	pl, err := net.Listen("tcp", net.JoinHostPort(benchProxy, "0"))
	if err != nil {
		tb.Fatalf("listen on %s: %v", benchProxy, err)
	}
	r.proxy, r.proxyAddr = p, pl.Addr().String()
	served := make(chan error, 1)
	go func() { served <- p.Serve(pl) }()
	tb.Cleanup(func() {
		p.Close()
		if err := <-served; err != nil {
			tb.Errorf("proxy Serve: %v", err)
		}
	})
	return r
}

// bareRelay forwards c to target both ways with io.Copy (which splices
// TCP to TCP) and nothing else: no rules, no limits, no accounting.
func bareRelay(c net.Conn, target string) {
	defer c.Close()
	up, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	defer up.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(up, c)
		_ = up.(*net.TCPConn).CloseWrite()
	}()
	_, _ = io.Copy(c, up)
	_ = c.(*net.TCPConn).CloseWrite()
	<-done
}

// streamServer answers the commands of one client until it closes.
func streamServer(c net.Conn) {
	defer c.Close()
	var buf []byte // the bulk buffer, only for bulk commands
	var hdr [9]byte
	for {
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			return
		}
		n := int64(binary.BigEndian.Uint64(hdr[1:]))
		if buf == nil && (hdr[0] == cmdDownload || hdr[0] == cmdUpload) {
			buf = make([]byte, benchBuf)
		}
		var err error
		switch hdr[0] {
		case cmdDownload:
			err = writeN(c, buf, n)
		case cmdUpload:
			if err = readN(c, buf, n); err == nil {
				_, err = c.Write([]byte{1})
			}
		case cmdEcho:
			var small [echoSize]byte
			if n > echoSize {
				return
			}
			if _, err = io.ReadFull(c, small[:n]); err == nil {
				_, _ = c.Write(small[:n])
			}
			return
		default:
			return
		}
		if err != nil {
			return
		}
	}
}

func writeN(w io.Writer, buf []byte, n int64) error {
	for n > 0 {
		m := min(int64(len(buf)), n)
		if _, err := w.Write(buf[:m]); err != nil {
			return err
		}
		n -= m
	}
	return nil
}

func readN(r io.Reader, buf []byte, n int64) error {
	for n > 0 {
		m, err := r.Read(buf[:min(int64(len(buf)), n)])
		n -= int64(m)
		if err != nil {
			if n > 0 && errors.Is(err, io.EOF) {
				return io.ErrUnexpectedEOF
			}
			if n > 0 {
				return err
			}
		}
	}
	return nil
}

func command(op byte, n int64) []byte {
	b := make([]byte, 9)
	b[0] = op
	binary.BigEndian.PutUint64(b[1:], uint64(n))
	return b
}

// A route is how a client reaches bench.test:port: direct, or through
// the proxy with one of its protocols. dial returns a connection that
// carries the client's bytes to the server as they are.
type route struct {
	name    string
	proxied bool
	dial    func(r *benchRig, port int) (net.Conn, error)
}

var (
	routeDirect  = route{"direct", false, dialDirect}
	routeConnect = route{"connect", true, dialConnect}
	routeSOCKS5  = route{"socks5", true, dialSOCKS5}
	// routeRelay goes through a bare splicing relay instead of the
	// proxy: the cost of the extra loopback hop itself, which no relaying
	// proxy can avoid. The proxy's own cost is the gap between it and
	// the proxied routes.
	routeRelay = route{"relay", false, dialRelay}
)

func dialRelay(r *benchRig, port int) (net.Conn, error) {
	return net.Dial("tcp", r.relays[port])
}

func dialDirect(_ *benchRig, port int) (net.Conn, error) {
	return net.Dial("tcp", net.JoinHostPort(benchServer, strconv.Itoa(port)))
}

// dialConnect opens a CONNECT tunnel the way curl and Python do: send
// the request, wait for 200, then speak.
func dialConnect(r *benchRig, port int) (net.Conn, error) {
	c, err := net.Dial("tcp", r.proxyAddr)
	if err != nil {
		return nil, err
	}
	target := net.JoinHostPort(benchHost, strconv.Itoa(port))
	if _, err := fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", target, target); err != nil {
		c.Close()
		return nil, err
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("CONNECT %s: %w", target, err)
	}
	if resp.StatusCode != http.StatusOK || br.Buffered() != 0 {
		c.Close()
		return nil, fmt.Errorf("CONNECT %s: %s (%d bytes after the head)", target, resp.Status, br.Buffered())
	}
	return c, nil
}

// dialSOCKS5 opens a SOCKS5 CONNECT by name (as socks5h:// clients do),
// waiting for each answer as clients do.
func dialSOCKS5(r *benchRig, port int) (net.Conn, error) {
	c, err := net.Dial("tcp", r.proxyAddr)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (net.Conn, error) {
		c.Close()
		return nil, fmt.Errorf("socks5 %s:%d: %w", benchHost, port, err)
	}
	if _, err := c.Write([]byte{5, 1, 0}); err != nil {
		return fail(err)
	}
	var m [2]byte
	if _, err := io.ReadFull(c, m[:]); err != nil {
		return fail(err)
	}
	if m != [2]byte{5, 0} {
		return fail(fmt.Errorf("method reply % x", m))
	}
	req := append([]byte{5, 1, 0, 3, byte(len(benchHost))}, benchHost...)
	req = binary.BigEndian.AppendUint16(req, uint16(port))
	if _, err := c.Write(req); err != nil {
		return fail(err)
	}
	var rep [10]byte
	if _, err := io.ReadFull(c, rep[:]); err != nil {
		return fail(err)
	}
	if rep[1] != 0 {
		return fail(fmt.Errorf("reply code %d", rep[1]))
	}
	return c, nil
}

// open reaches the stream server over rt, with TLS end to end when
// useTLS.
func (r *benchRig) open(rt route, useTLS bool) (net.Conn, error) {
	port := r.tcpPort
	if useTLS {
		port = r.tlsPort
	}
	c, err := rt.dial(r, port)
	if err != nil || !useTLS {
		return c, err
	}
	tc := tls.Client(c, r.clientTLS)
	if err := tc.Handshake(); err != nil {
		tc.Close()
		return nil, fmt.Errorf("TLS handshake over %s: %w", rt.name, err)
	}
	return tc, nil
}

// An echo is the small request and response of the latency benchmarks.
const echoSize = 64

// roundTrip opens a connection over rt, sends 64 bytes, reads them back
// and the server's close, and closes.
func (r *benchRig) roundTrip(rt route, useTLS bool, msg, got []byte) error {
	c, err := r.open(rt, useTLS)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.Write(append(command(cmdEcho, int64(len(msg))), msg...)); err != nil {
		return err
	}
	if _, err := io.ReadFull(c, got); err != nil {
		return fmt.Errorf("echo over %s: %w", rt.name, err)
	}
	if string(got) != string(msg) {
		return fmt.Errorf("echo over %s: got %q, sent %q", rt.name, got, msg)
	}
	if n, err := c.Read(got[:1]); n != 0 || !errors.Is(err, io.EOF) {
		return fmt.Errorf("echo over %s: after the answer got %d bytes, %v; want the end of the stream", rt.name, n, err)
	}
	return c.Close()
}

// httpGet sends one GET for / to the HTTP server, direct (origin form)
// or to the proxy (absolute form), reads the answer and closes.
func (r *benchRig) httpGet(proxied bool) error {
	target := net.JoinHostPort(benchHost, strconv.Itoa(r.httpPort))
	addr, uri := net.JoinHostPort(benchServer, strconv.Itoa(r.httpPort)), "/"
	if proxied {
		addr, uri = r.proxyAddr, "http://"+target+"/"
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", uri, target); err != nil {
		return err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || string(body) != "ok\n" {
		return fmt.Errorf("GET %s: %s %q", uri, resp.Status, body)
	}
	return c.Close()
}

// checkThrough fails tb unless the proxy carried at least out bytes up
// and in bytes down in allowed connections; it closes the proxy first so
// that every connection has ended and been counted.
func (r *benchRig) checkThrough(tb testing.TB, conns int, out, in int64) {
	tb.Helper()
	r.proxy.Close()
	s := r.proxy.Stats()
	if s.Refused != 0 || s.Allowed < conns || s.BytesOut < out || s.BytesIn < in {
		tb.Fatalf("proxy stats %+v, want >= %d allowed connections, none refused, >= %d bytes out, >= %d in", s, conns, out, in)
	}
}

// BenchmarkThroughput moves data over one long connection, per op one
// MiB, down (server to client) and up, direct and through the proxy.
// Connection setup is not timed.
func BenchmarkThroughput(b *testing.B) {
	for _, kind := range []struct {
		name   string
		tls    bool
		routes []route
	}{
		{"tls", true, []route{routeDirect, routeRelay, routeConnect, routeSOCKS5}},
		{"tcp", false, []route{routeDirect, routeRelay, routeSOCKS5}},
	} {
		for _, dir := range []string{"down", "up"} {
			for _, rt := range kind.routes {
				b.Run(kind.name+"-"+dir+"/"+rt.name, func(b *testing.B) {
					benchThroughput(b, rt, kind.tls, dir == "up")
				})
			}
		}
	}
}

func benchThroughput(b *testing.B, rt route, useTLS, up bool) {
	r := newBenchRig(b, 32)
	c, err := r.open(rt, useTLS)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, benchBuf)
	total := int64(b.N) * benchChunk
	b.SetBytes(benchChunk)
	b.ResetTimer()
	if up {
		if _, err = c.Write(command(cmdUpload, total)); err == nil {
			err = writeN(c, buf, total)
		}
		if err == nil {
			_, err = io.ReadFull(c, buf[:1])
		}
	} else {
		if _, err = c.Write(command(cmdDownload, total)); err == nil {
			err = readN(c, buf, total)
		}
	}
	b.StopTimer()
	if err != nil {
		b.Fatalf("%s over %s: %v", map[bool]string{true: "upload", false: "download"}[up], rt.name, err)
	}
	c.Close()
	if rt.proxied {
		out, in := int64(9), total
		if up {
			out, in = total, 1
		}
		r.checkThrough(b, 1, out, in)
	}
}

// BenchmarkConnectLatency times one whole short connection per op:
// connect (through the proxy: its handshake, the rule check and the
// upstream dial), TLS handshake where the variant has one, one 64-byte
// request and answer (for http: one GET), close. The added latency per
// connection is a proxied variant's time minus its direct twin's.
func BenchmarkConnectLatency(b *testing.B) {
	for _, v := range []struct {
		name string
		tls  bool
		rt   route
	}{
		{"tls-direct", true, routeDirect},
		{"tls-relay", true, routeRelay},
		{"tls-connect", true, routeConnect},
		{"tls-socks5", true, routeSOCKS5},
		{"tcp-direct", false, routeDirect},
		{"tcp-relay", false, routeRelay},
		{"tcp-socks5", false, routeSOCKS5},
	} {
		b.Run(v.name, func(b *testing.B) {
			r := newBenchRig(b, b.N+16)
			msg, got := make([]byte, echoSize), make([]byte, echoSize)
			copy(msg, "cordon egress latency benchmark")
			b.ResetTimer()
			for range b.N {
				if err := r.roundTrip(v.rt, v.tls, msg, got); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if v.rt.proxied {
				r.checkThrough(b, b.N, int64(b.N)*(9+echoSize), int64(b.N)*echoSize)
			}
		})
	}
	for _, proxied := range []bool{false, true} {
		name := "http-direct"
		if proxied {
			name = "http-proxy"
		}
		b.Run(name, func(b *testing.B) {
			r := newBenchRig(b, b.N+16)
			b.ResetTimer()
			for range b.N {
				if err := r.httpGet(proxied); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if proxied {
				r.checkThrough(b, b.N, int64(b.N)*16, int64(b.N)*3)
			}
		})
	}
}

// TestBenchRoutes runs every benchmark variant once, small, so that the
// harness is checked by every `go test` (a benchmark that measures a
// broken path, or a direct path, would otherwise go unseen until someone
// ran bench/egress.sh).
func TestBenchRoutes(t *testing.T) {
	r := newBenchRig(t, 64)
	msg, got := make([]byte, echoSize), make([]byte, echoSize)
	copy(msg, "route check")
	conns := 0
	for _, v := range []struct {
		tls bool
		rt  route
	}{
		{true, routeDirect}, {true, routeRelay}, {true, routeConnect}, {true, routeSOCKS5},
		{false, routeDirect}, {false, routeRelay}, {false, routeSOCKS5},
	} {
		if err := r.roundTrip(v.rt, v.tls, msg, got); err != nil {
			t.Errorf("tls=%v %s: %v", v.tls, v.rt.name, err)
		}
		c, err := r.open(v.rt, v.tls)
		if err != nil {
			t.Fatalf("tls=%v %s: %v", v.tls, v.rt.name, err)
		}
		buf := make([]byte, benchBuf)
		const n = 3 * benchChunk
		if _, err = c.Write(command(cmdDownload, n)); err == nil {
			err = readN(c, buf, n)
		}
		if err == nil {
			if _, err = c.Write(command(cmdUpload, n)); err == nil {
				err = writeN(c, buf, n)
			}
		}
		if err == nil {
			_, err = io.ReadFull(c, buf[:1])
		}
		c.Close()
		if err != nil {
			t.Errorf("tls=%v %s: transfer: %v", v.tls, v.rt.name, err)
		}
		if v.rt.proxied {
			conns += 2
		}
	}
	if err := r.httpGet(false); err != nil {
		t.Errorf("http direct: %v", err)
	}
	if err := r.httpGet(true); err != nil {
		t.Errorf("http through the proxy: %v", err)
	}
	r.checkThrough(t, conns+1, 3*3*benchChunk, 3*3*benchChunk)
}
