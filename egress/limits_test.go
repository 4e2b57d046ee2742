package egress

// Per-run limits: max_connections, max_bytes_in and max_bytes_out
// (counted over the run, across connections) and connection_time, over
// each protocol. Servers check what really arrived, not only the events.

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cordonsec/cordon/policy"
)

// openVia opens an allowed connection to api.test:port through the proxy
// with proto and returns it ready for payload (for CONNECT, after a TLS
// handshake with the server), or the refusal the client saw.
type viaResult struct {
	conn    net.Conn
	refused string // what the client saw instead of a connection
}

func openVia(t *testing.T, proto Protocol, proxyAddr string, port int) viaResult {
	t.Helper()
	switch proto {
	case ProtoSOCKS5:
		c, code := socksDial(t, proxyAddr, socksRequest{host: "api.test", port: port})
		if code != 0 {
			c.Close()
			return viaResult{refused: fmt.Sprintf("SOCKS reply %#x", code)}
		}
		return viaResult{conn: c}
	case ProtoConnect:
		c, br, resp := connectTunnel(t, proxyAddr, net.JoinHostPort("api.test", strconv.Itoa(port)), nil)
		if resp.StatusCode != 200 {
			c.Close()
			return viaResult{refused: resp.Status}
		}
		_, pool := testCertificate(t)
		tc := tls.Client(bufConn{c, br}, &tls.Config{ServerName: "api.test", RootCAs: pool})
		if err := tc.Handshake(); err != nil {
			c.Close()
			return viaResult{refused: "TLS handshake: " + err.Error()}
		}
		return viaResult{conn: tc}
	}
	t.Fatalf("openVia %s", proto)
	return viaResult{}
}

// TestMaxConnections: the run's n allowed connections are granted, every
// later one is refused (connections already ended do not give their slot
// back), and refused attempts use no slot.
func TestMaxConnections(t *testing.T) {
	for _, proto := range []Protocol{ProtoSOCKS5, ProtoConnect, ProtoHTTP} {
		t.Run(string(proto), func(t *testing.T) {
			var port int
			if proto == ProtoConnect {
				port = startWeb(t, true, nil).Port
			} else if proto == ProtoHTTP {
				port = startWeb(t, false, nil).Port
			} else {
				port = startTCP(t, serveHold).Port
			}
			r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{port}, CIDRs: []string{serverIP + "/32"}, MaxConnections: 2})
			// A refused attempt first: it must not use a slot.
			if proto == ProtoSOCKS5 {
				if _, code := socksDial(t, r.Addr, socksRequest{host: "other.test", port: port}); code != 0x02 {
					t.Fatalf("other.test: SOCKS reply %#x", code)
				}
			} else {
				_, _, resp := connectTunnel(t, r.Addr, net.JoinHostPort("other.test", strconv.Itoa(port)), nil)
				if resp.StatusCode != 403 {
					t.Fatalf("other.test: %s", resp.Status)
				}
			}
			wantRefused(t, r.WaitEvent(0), map[bool]Protocol{true: ProtoSOCKS5, false: ProtoConnect}[proto == ProtoSOCKS5], "other.test", port, ReasonDomain)

			if proto == ProtoHTTP {
				cl := proxyClient(t, r.Addr)
				url := fmt.Sprintf("http://api.test:%d/", port)
				for i := range 4 {
					resp, err := cl.Get(url)
					if err != nil {
						t.Fatalf("GET %d: %v", i, err)
					}
					resp.Body.Close()
					ev := r.WaitEvent(1 + i)
					if i < 2 {
						if resp.StatusCode != 200 {
							t.Errorf("GET %d: %s, want 200", i, resp.Status)
						}
						wantAllowed(t, ev, ProtoHTTP, "api.test", port, serverAddr(port), "")
						continue
					}
					if resp.StatusCode < 400 || resp.Header.Get("X-Cordon-Refused") != string(ReasonConnLimit) {
						t.Errorf("GET %d over the limit: %s %v", i, resp.Status, resp.Header)
					}
					wantRefused(t, ev, ProtoHTTP, "api.test", port, ReasonConnLimit)
				}
			} else {
				var live []net.Conn
				for i := range 2 {
					v := openVia(t, proto, r.Addr, port)
					if v.conn == nil {
						t.Fatalf("allowed connection %d refused: %s", i, v.refused)
					}
					live = append(live, v.conn)
				}
				if v := openVia(t, proto, r.Addr, port); v.conn != nil {
					t.Fatalf("a third connection was granted with max_connections 2")
				}
				wantRefused(t, r.WaitEvent(1), proto, "api.test", port, ReasonConnLimit)
				for _, c := range live {
					c.Close()
				}
				r.WaitEvents(4)
				if v := openVia(t, proto, r.Addr, port); v.conn != nil {
					t.Fatalf("a connection was granted after the run's 2 were used")
				}
				evs := r.WaitEvents(5)
				wantRefused(t, evs[4], proto, "api.test", port, ReasonConnLimit)
			}
			if d := r.Dialer.Dials(); len(d) != 2 {
				t.Errorf("%d dials, want 2: %v", len(d), d)
			}
			r.Close()
			r.checkStats(t)
		})
	}
}

// TestMaxBytesIn: a server sending more than the run's max_bytes_in is
// cut; the client gets exactly the budget, and the budget is shared by
// the run's connections.
func TestMaxBytesIn(t *testing.T) {
	for _, limit := range []int{1000, 1 << 20} {
		for _, conns := range []int{0, 4} {
			t.Run(fmt.Sprintf("limit=%d,max_connections=%d", limit, conns), func(t *testing.T) {
				first := limit * 3 / 5
				big := startTCP(t, serveSend(4*limit))
				small := startTCP(t, serveSend(first))
				r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{big.Port, small.Port},
					CIDRs: []string{serverIP + "/32"}, MaxBytesIn: policy.Size(limit), MaxConnections: conns})
				// The first connection takes 60% and ends normally.
				c, code := socksDial(t, r.Addr, socksRequest{host: "api.test", port: small.Port})
				if code != 0 {
					t.Fatalf("SOCKS reply %#x", code)
				}
				got := make([]byte, first)
				if _, err := io.ReadFull(c, got); err != nil {
					t.Fatalf("first connection: %v", err)
				}
				c.Close()
				ev := r.WaitEvent(0)
				wantAllowed(t, ev, ProtoSOCKS5, "api.test", small.Port, serverAddr(small.Port), "")
				if ev.BytesIn != int64(first) {
					t.Errorf("first event BytesIn %d, want %d", ev.BytesIn, first)
				}
				// The second gets what is left, then the proxy cuts it.
				c, code = socksDial(t, r.Addr, socksRequest{host: "api.test", port: big.Port})
				if code != 0 {
					t.Fatalf("SOCKS reply %#x", code)
				}
				n, _ := io.Copy(io.Discard, c)
				ev = r.WaitEvent(1)
				wantAllowed(t, ev, ProtoSOCKS5, "api.test", big.Port, serverAddr(big.Port), ReasonBytesIn)
				if left := int64(limit - first); n != left || ev.BytesIn != left {
					t.Errorf("second connection: client got %d bytes, event says %d, want the %d left", n, ev.BytesIn, left)
				}
				r.Close()
				r.checkStats(t)
				if s := r.p.Stats(); s.BytesIn > int64(limit) {
					t.Errorf("Stats.BytesIn %d over the limit %d", s.BytesIn, limit)
				}
			})
		}
	}
}

// TestMaxBytesOut: a client sending more than max_bytes_out is cut and
// the server receives no more than the budget.
func TestMaxBytesOut(t *testing.T) {
	for _, limit := range []int{1000, 1 << 20} {
		t.Run(strconv.Itoa(limit), func(t *testing.T) {
			srv := startTCP(t, serveDiscard)
			r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{srv.Port},
				CIDRs: []string{serverIP + "/32"}, MaxBytesOut: policy.Size(limit)})
			c, code := socksDial(t, r.Addr, socksRequest{host: "api.test", port: srv.Port})
			if code != 0 {
				t.Fatalf("SOCKS reply %#x", code)
			}
			werr := make(chan error, 1)
			go func() {
				buf := make([]byte, 16<<10)
				var err error
				for sent := 0; sent < 4*limit && err == nil; sent += len(buf) {
					_, err = c.Write(buf)
				}
				werr <- err
			}()
			_, _ = io.Copy(io.Discard, c) // ends when the proxy cuts
			<-werr
			ev := r.WaitEvent(0)
			wantAllowed(t, ev, ProtoSOCKS5, "api.test", srv.Port, serverAddr(srv.Port), ReasonBytesOut)
			r.Close()
			deadline := time.Now().Add(5 * time.Second)
			for srv.received.Load() < ev.BytesOut && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			if got := srv.received.Load(); got > int64(limit) || got != ev.BytesOut || got != int64(limit) {
				t.Errorf("server received %d bytes, event says %d, limit %d: want the limit exactly", got, ev.BytesOut, limit)
			}
			r.checkStats(t)
		})
	}
}

// TestBytesLimitsHTTP: the limits hold for forwarded requests too, and
// for the bytes of a CONNECT tunnel.
func TestBytesLimitsHTTP(t *testing.T) {
	t.Run("response over max_bytes_in", func(t *testing.T) {
		srv := startWeb(t, false, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Length", "100000")
			_, _ = w.Write(make([]byte, 100000))
		})
		r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{srv.Port}, CIDRs: []string{serverIP + "/32"}, MaxBytesIn: 5000})
		resp, err := proxyClient(t, r.Addr).Get(fmt.Sprintf("http://api.test:%d/", srv.Port))
		var n int64
		if err == nil {
			n, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		if err == nil {
			t.Errorf("the whole response (%d bytes) arrived through a 5000-byte budget", n)
		}
		ev := r.WaitEvent(0)
		wantAllowed(t, ev, ProtoHTTP, "api.test", srv.Port, serverAddr(srv.Port), ReasonBytesIn)
		if ev.BytesIn > 5000 || n > 5000 {
			t.Errorf("event BytesIn %d, client body %d, over the 5000 limit", ev.BytesIn, n)
		}
	})
	t.Run("request over max_bytes_out", func(t *testing.T) {
		srv := startTCP(t, serveDiscard)
		r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{srv.Port}, CIDRs: []string{serverIP + "/32"}, MaxBytesOut: 5000})
		c := dialProxy(t, r.Addr)
		go func() {
			fmt.Fprintf(c, "POST http://api.test:%d/ HTTP/1.1\r\nHost: api.test:%d\r\nContent-Length: 100000\r\n\r\n", srv.Port, srv.Port)
			_, _ = c.Write(make([]byte, 100000))
		}()
		_, _ = io.Copy(io.Discard, c)
		ev := r.WaitEvent(0)
		wantAllowed(t, ev, ProtoHTTP, "api.test", srv.Port, serverAddr(srv.Port), ReasonBytesOut)
		r.Close()
		if got := srv.received.Load(); got > 5000 || ev.BytesOut > 5000 {
			t.Errorf("server received %d, event BytesOut %d, over the 5000 limit", got, ev.BytesOut)
		}
	})
	t.Run("tunnel over max_bytes_in", func(t *testing.T) {
		srv := startWeb(t, true, func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write(make([]byte, 200000))
		})
		r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{srv.Port}, CIDRs: []string{serverIP + "/32"}, MaxBytesIn: 50000})
		c, br, resp := connectTunnel(t, r.Addr, net.JoinHostPort("api.test", strconv.Itoa(srv.Port)), nil)
		if resp.StatusCode != 200 {
			t.Fatal(resp.Status)
		}
		body, err := tlsGet(t, bufConn{c, br}, "api.test", "api.test")
		if err == nil {
			t.Errorf("a %d-byte body arrived through a 50000-byte budget", len(body))
		}
		ev := r.WaitEvent(0)
		wantAllowed(t, ev, ProtoConnect, "api.test", srv.Port, serverAddr(srv.Port), ReasonBytesIn)
		if ev.BytesIn > 50000 {
			t.Errorf("event BytesIn %d over the limit", ev.BytesIn)
		}
	})
}

// TestConnectionTime: connection_time cuts a connection that lives
// longer, over each protocol; one that ends sooner is not cut.
func TestConnectionTime(t *testing.T) {
	const life = 300 * time.Millisecond
	release := make(chan struct{})
	slow := startWeb(t, false, func(w http.ResponseWriter, _ *http.Request) {
		select {
		case <-release:
		case <-time.After(10 * time.Second):
		}
	})
	t.Cleanup(func() { close(release) }) // before the server's Close
	tlsSrv := startWeb(t, true, nil)
	hold := startTCP(t, serveHold)
	echo := startTCP(t, serveEcho)
	r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{slow.Port, tlsSrv.Port, hold.Port, echo.Port},
		CIDRs: []string{serverIP + "/32"}, ConnectionTime: policy.Duration(life)})

	// An echo that ends in time is not cut.
	c, code := socksDial(t, r.Addr, socksRequest{host: "api.test", port: echo.Port})
	if code != 0 {
		t.Fatalf("SOCKS reply %#x", code)
	}
	if _, err := c.Write([]byte("quick")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, make([]byte, 5)); err != nil {
		t.Fatal(err)
	}
	c.Close()
	wantAllowed(t, r.WaitEvent(0), ProtoSOCKS5, "api.test", echo.Port, serverAddr(echo.Port), "")

	for i, tc := range []struct {
		proto Protocol
		port  int
		open  func() error // returns when the client sees the end
	}{
		{ProtoSOCKS5, hold.Port, func() error {
			c, code := socksDial(t, r.Addr, socksRequest{host: "api.test", port: hold.Port})
			if code != 0 {
				return fmt.Errorf("SOCKS reply %#x", code)
			}
			_, err := io.Copy(io.Discard, c)
			return err
		}},
		{ProtoConnect, tlsSrv.Port, func() error {
			v := openVia(t, ProtoConnect, r.Addr, tlsSrv.Port)
			if v.conn == nil {
				return errors.New(v.refused)
			}
			_, err := io.Copy(io.Discard, v.conn)
			if err != nil && strings.Contains(err.Error(), "i/o timeout") {
				return err // the client's own deadline, not the proxy
			}
			return nil
		}},
		{ProtoHTTP, slow.Port, func() error {
			c := dialProxy(t, r.Addr)
			fmt.Fprintf(c, "GET http://api.test:%d/ HTTP/1.1\r\nHost: api.test:%d\r\n\r\n", slow.Port, slow.Port)
			if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err == nil {
				return fmt.Errorf("got an answer %s from a server that never answers", resp.Status)
			}
			return nil
		}},
	} {
		t.Run(string(tc.proto), func(t *testing.T) {
			start := time.Now()
			if err := tc.open(); err != nil {
				t.Fatal(err)
			}
			if took := time.Since(start); took < life {
				t.Errorf("the connection ended after %v, before connection_time %v", took, life)
			}
			ev := r.WaitEvent(1 + i)
			wantAllowed(t, ev, tc.proto, "api.test", tc.port, serverAddr(tc.port), ReasonTime)
			if ev.Duration < life {
				t.Errorf("event Duration %v < connection_time %v", ev.Duration, life)
			}
		})
	}
	r.Close()
	r.checkStats(t)
}

// TestKeepAliveThenConnect: a CONNECT on a client connection that
// carried a forwarded request earlier is a new attempt with its own
// connection_time: the earlier request's deadline must not end it.
func TestKeepAliveThenConnect(t *testing.T) {
	const life = 300 * time.Millisecond
	web := startWeb(t, false, nil)
	tlsSrv := startWeb(t, true, nil)
	r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{web.Port, tlsSrv.Port},
		CIDRs: []string{serverIP + "/32"}, ConnectionTime: policy.Duration(life)})
	c := dialProxy(t, r.Addr)
	br := bufio.NewReader(c)
	fmt.Fprintf(c, "GET http://api.test:%d/ HTTP/1.1\r\nHost: api.test:%d\r\n\r\n", web.Port, web.Port)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	wantAllowed(t, r.WaitEvent(0), ProtoHTTP, "api.test", web.Port, serverAddr(web.Port), "")

	time.Sleep(life + 100*time.Millisecond) // the first attempt's deadline passes
	target := net.JoinHostPort("api.test", strconv.Itoa(tlsSrv.Port))
	fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", target, target)
	resp, err = http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil {
		// The attempt must at least be an event.
		evs := r.Close()
		t.Fatalf("CONNECT after a kept-alive request: %v; events: %s", err, eventsText(evs))
	}
	if resp.StatusCode != 200 {
		t.Fatalf("CONNECT after a kept-alive request: %s", resp.Status)
	}
	if _, err := tlsGet(t, bufConn{c, br}, "api.test", "api.test"); err != nil {
		t.Fatalf("TLS in the tunnel: %v", err)
	}
	c.Close()
	wantAllowed(t, r.WaitEvent(1), ProtoConnect, "api.test", tlsSrv.Port, serverAddr(tlsSrv.Port), "")
}

// TestBytesInIdleConnection: an idle connection does not eat the run's
// byte budget: with max_bytes_in 1 MiB and one connection waiting for
// its server, another may still receive 900 KiB.
func TestBytesInIdleConnection(t *testing.T) {
	const limit, want = 1 << 20, 900 << 10
	hold := startTCP(t, serveHold)
	big := startTCP(t, serveSend(want))
	r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{hold.Port, big.Port},
		CIDRs: []string{serverIP + "/32"}, MaxBytesIn: limit, MaxConnections: 2})
	idle, code := socksDial(t, r.Addr, socksRequest{host: "api.test", port: hold.Port})
	if code != 0 {
		t.Fatalf("SOCKS reply %#x", code)
	}
	defer idle.Close()
	time.Sleep(50 * time.Millisecond) // the idle relay is waiting for its server
	c, code := socksDial(t, r.Addr, socksRequest{host: "api.test", port: big.Port})
	if code != 0 {
		t.Fatalf("SOCKS reply %#x", code)
	}
	got, err := io.CopyN(io.Discard, c, want)
	c.Close()
	if err != nil {
		evs := r.Close()
		t.Fatalf("received %d of %d bytes with %d of the run's %d used: %v; events: %s", got, want, got, limit, err, eventsText(evs))
	}
}
