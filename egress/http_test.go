package egress

// Plain HTTP forwarding: net/http and Python's urllib through the proxy,
// the Host header check, wildcards and ports, keep-alive connections
// whose requests are each decided, and hop-by-hop headers kept from the
// server.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cordonsec/cordon/policy"
)

func TestHTTPForward(t *testing.T) {
	srv := startWeb(t, false, nil)
	r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{srv.Port}, CIDRs: []string{serverIP + "/32"}})
	cl := proxyClient(t, r.Addr)
	req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("http://api.test:%d/path?q=1", srv.Port), nil)
	req.Header.Set("Proxy-Authorization", "Basic c2VjcmV0OnNlY3JldA==")
	req.Header.Set("X-Kept", "yes")
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatalf("GET through the proxy: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := fmt.Sprintf("hello api.test:%d /path", srv.Port); resp.StatusCode != 200 || string(b) != want {
		t.Errorf("got %s %q, want 200 %q", resp.Status, b, want)
	}
	ev := r.WaitEvent(0)
	wantAllowed(t, ev, ProtoHTTP, "api.test", srv.Port, serverAddr(srv.Port), "")
	if ev.BytesOut <= 0 || ev.BytesIn < int64(len(b)) {
		t.Errorf("event bytes out %d in %d, want > 0 and >= the body (%d)", ev.BytesOut, ev.BytesIn, len(b))
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("server saw %d requests, want 1", len(reqs))
	}
	got := reqs[0]
	if got.Host != fmt.Sprintf("api.test:%d", srv.Port) || got.URL.RawQuery != "q=1" {
		t.Errorf("server saw Host %q query %q", got.Host, got.URL.RawQuery)
	}
	for _, h := range []string{"Proxy-Authorization", "Proxy-Connection"} {
		if v := got.Header.Get(h); v != "" {
			t.Errorf("the server got the hop-by-hop header %s: %q", h, v)
		}
	}
	if got.Header.Get("X-Kept") != "yes" {
		t.Errorf("an end-to-end header was dropped: %v", got.Header)
	}
	r.Close()
	r.checkStats(t)
}

// rawRequest sends one raw request through the proxy and reads the
// answer.
func rawRequest(t *testing.T, proxyAddr, raw string) *http.Response {
	t.Helper()
	c := dialProxy(t, proxyAddr)
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatalf("write request: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("reading the answer to %q: %v", raw, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestHTTPRefused(t *testing.T) {
	srv := startWeb(t, false, nil)
	p := srv.Port
	ps := strconv.Itoa(p)
	base := policy.Network{Domains: []string{"api.test", "private.test", "ten.test"}, Ports: []int{p}, CIDRs: []string{serverIP + "/32"}}
	for _, tc := range []struct {
		name   string
		raw    string
		status int
		host   string
		port   int
		reason Reason
	}{
		{"domain", "GET http://other.test:" + ps + "/ HTTP/1.1\r\nHost: other.test:" + ps + "\r\n\r\n", 403, "other.test", p, ReasonDomain},
		{"port", "GET http://api.test:9/ HTTP/1.1\r\nHost: api.test:9\r\n\r\n", 403, "api.test", 9, ReasonPort},
		{"default port 80", "GET http://api.test/ HTTP/1.1\r\nHost: api.test\r\n\r\n", 403, "api.test", 80, ReasonPort},
		{"Host header names another host", "GET http://api.test:" + ps + "/ HTTP/1.1\r\nHost: other.test:" + ps + "\r\n\r\n", 403, "api.test", p, ReasonHostHeader},
		{"Host header names another port", "GET http://api.test:" + ps + "/ HTTP/1.1\r\nHost: api.test:1\r\n\r\n", 403, "api.test", p, ReasonHostHeader},
		{"Host header is an address", "GET http://api.test:" + ps + "/ HTTP/1.1\r\nHost: " + serverIP + ":" + ps + "\r\n\r\n", 403, "api.test", p, ReasonHostHeader},
		{"two Host headers", "GET http://api.test:" + ps + "/ HTTP/1.1\r\nHost: api.test:" + ps + "\r\nHost: other.test:" + ps + "\r\n\r\n", 400, "", 0, ReasonBadRequest}, // net/http refuses it first
		{"lower-case host header key", "GET http://api.test:" + ps + "/ HTTP/1.1\r\nhost: other.test:" + ps + "\r\n\r\n", 403, "api.test", p, ReasonHostHeader},
		{"private address", "GET http://private.test:" + ps + "/ HTTP/1.1\r\nHost: private.test:" + ps + "\r\n\r\n", 403, "private.test", p, ReasonAddress},
		{"private address 10/8", "GET http://ten.test:" + ps + "/ HTTP/1.1\r\nHost: ten.test:" + ps + "\r\n\r\n", 403, "ten.test", p, ReasonAddress},
		{"IP literal outside cidrs", "GET http://" + strayIP + ":" + ps + "/ HTTP/1.1\r\nHost: " + strayIP + ":" + ps + "\r\n\r\n", 403, strayIP, p, ReasonIPLiteral},
		{"metadata literal", "GET http://169.254.169.254/latest/meta-data/ HTTP/1.1\r\nHost: 169.254.169.254\r\n\r\n", 403, "169.254.169.254", 80, ReasonIPLiteral},
		{"origin form is not a proxy request", "GET / HTTP/1.1\r\nHost: api.test:" + ps + "\r\n\r\n", 400, "", 0, ReasonBadRequest},
		{"https in absolute form", "GET https://api.test:" + ps + "/ HTTP/1.1\r\nHost: api.test:" + ps + "\r\n\r\n", 400, "", 0, ReasonBadRequest},
		{"ftp scheme", "GET ftp://api.test:" + ps + "/ HTTP/1.1\r\n\r\n", 400, "", 0, ReasonBadRequest},
		{"upgrade", "GET http://api.test:" + ps + "/ HTTP/1.1\r\nHost: api.test:" + ps + "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", 400, "api.test", p, ReasonBadRequest},
		{"garbage", "\x00\x01garbage\r\n\r\n", 400, "", 0, ReasonBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newProxyRig(t, base)
			resp := rawRequest(t, r.Addr, tc.raw)
			if resp.StatusCode != tc.status {
				t.Errorf("status %s, want %d", resp.Status, tc.status)
			}
			if got := resp.Header.Get("X-Cordon-Refused"); got != string(tc.reason) {
				t.Errorf("X-Cordon-Refused %q, want %q", got, tc.reason)
			}
			ev := r.WaitEvent(0)
			if tc.host != "" {
				wantRefused(t, ev, ProtoHTTP, tc.host, tc.port, tc.reason)
			} else if ev.Allowed || ev.Reason != tc.reason {
				t.Errorf("event %s, want refused %s", eventsText([]Event{ev}), tc.reason)
			}
			if d := r.Dialer.Dials(); len(d) != 0 {
				t.Errorf("dials %v for a refused request", d)
			}
			r.Close()
			if evs := r.Events(); len(evs) != 1 {
				t.Errorf("%d events, want 1: %s", len(evs), eventsText(evs))
			}
		})
	}
	if n := srv.Accepted(); n != 0 {
		t.Errorf("the server accepted %d connections from refused requests", n)
	}
}

// TestHTTPHostHeaderAccepted: Host headers naming the same destination
// in another spelling pass, and a missing one is filled in from the URL.
func TestHTTPHostHeaderAccepted(t *testing.T) {
	srv := startWeb(t, false, nil)
	ps := strconv.Itoa(srv.Port)
	for _, tc := range []struct{ name, raw string }{
		{"upper case", "GET http://api.test:" + ps + "/a HTTP/1.1\r\nHost: API.TEST:" + ps + "\r\nConnection: close\r\n\r\n"},
		{"trailing dot", "GET http://api.test:" + ps + "/a HTTP/1.1\r\nHost: api.test.:" + ps + "\r\nConnection: close\r\n\r\n"},
		{"no Host header (HTTP/1.0)", "GET http://api.test:" + ps + "/a HTTP/1.0\r\n\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{srv.Port}, CIDRs: []string{serverIP + "/32"}})
			resp := rawRequest(t, r.Addr, tc.raw)
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || string(b) != "hello api.test:"+ps+" /a" {
				t.Errorf("got %s %q", resp.Status, b)
			}
			wantAllowed(t, r.WaitEvent(0), ProtoHTTP, "api.test", srv.Port, serverAddr(srv.Port), "")
		})
	}
}

// TestHTTPMatching: wildcards, per-domain ports and global ports, each
// through net/http.
func TestHTTPMatching(t *testing.T) {
	s1 := startWeb(t, false, nil)
	s2 := startWeb(t, false, nil)
	r := newProxyRig(t, policy.Network{
		Domains: []string{"*.wild.test", "api.test:" + strconv.Itoa(s1.Port), "other.test"},
		Ports:   []int{s2.Port},
		CIDRs:   []string{serverIP + "/32"},
	})
	cl := proxyClient(t, r.Addr)
	for _, tc := range []struct {
		host   string
		port   int
		reason Reason // "" allowed
		evHost string
	}{
		{"a.wild.test", s2.Port, "", "a.wild.test"},
		{"a.b.wild.test", s2.Port, "", "a.b.wild.test"},
		{"A.Wild.Test", s2.Port, "", "a.wild.test"},
		{"wild.test", s2.Port, ReasonDomain, "wild.test"},
		{"xwild.test", s2.Port, ReasonDomain, "xwild.test"},
		{"a.wild.test", s1.Port, ReasonPort, "a.wild.test"},
		{"api.test", s1.Port, "", "api.test"},
		{"api.test", s2.Port, ReasonPort, "api.test"},
		{"other.test", s2.Port, "", "other.test"},
		{"other.test", s1.Port, ReasonPort, "other.test"},
		{"private.test", s2.Port, ReasonDomain, "private.test"},
	} {
		name := fmt.Sprintf("%s:%d", tc.host, tc.port)
		t.Run(name, func(t *testing.T) {
			before := len(r.Events())
			dials := len(r.Dialer.Dials())
			resp, err := cl.Get(fmt.Sprintf("http://%s:%d/m", tc.host, tc.port))
			if err != nil {
				t.Fatalf("GET: %v", err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			ev := r.WaitEvent(before)
			if tc.reason == "" {
				if resp.StatusCode != 200 || !strings.HasPrefix(string(b), "hello ") {
					t.Errorf("got %s %q, want 200", resp.Status, b)
				}
				wantAllowed(t, ev, ProtoHTTP, tc.evHost, tc.port, serverAddr(tc.port), "")
				return
			}
			if resp.StatusCode != 403 || resp.Header.Get("X-Cordon-Refused") != string(tc.reason) {
				t.Errorf("got %s %v %q, want 403 %s", resp.Status, resp.Header, b, tc.reason)
			}
			wantRefused(t, ev, ProtoHTTP, tc.evHost, tc.port, tc.reason)
			if d := r.Dialer.Dials(); len(d) != dials {
				t.Errorf("a refused request was dialled: %v", d[dials:])
			}
		})
	}
	r.Close()
	r.checkStats(t)
}

// TestHTTPKeepAlive: each request on a kept-alive client connection is
// its own decision and its own event.
func TestHTTPKeepAlive(t *testing.T) {
	srv := startWeb(t, false, nil)
	ps := strconv.Itoa(srv.Port)
	r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{srv.Port}, CIDRs: []string{serverIP + "/32"}})
	c := dialProxy(t, r.Addr)
	br := bufio.NewReader(c)
	for i, path := range []string{"/one", "/two"} {
		fmt.Fprintf(c, "GET http://api.test:%s%s HTTP/1.1\r\nHost: api.test:%s\r\n\r\n", ps, path, ps)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != "hello api.test:"+ps+" "+path {
			t.Fatalf("request %d: %s %q", i, resp.Status, b)
		}
		wantAllowed(t, r.WaitEvent(i), ProtoHTTP, "api.test", srv.Port, serverAddr(srv.Port), "")
	}
	// A third request on the same connection, to a refused name, is
	// refused on its own.
	fmt.Fprintf(c, "GET http://other.test:%s/ HTTP/1.1\r\nHost: other.test:%s\r\n\r\n", ps, ps)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("third request: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("third request: %s, want 403", resp.Status)
	}
	wantRefused(t, r.WaitEvent(2), ProtoHTTP, "other.test", srv.Port, ReasonDomain)
	if d := r.Dialer.Dials(); len(d) != 2 {
		t.Errorf("dials %v, want two", d)
	}
}

// TestHTTPPost: a request body and a chunked response go through whole.
func TestHTTPPost(t *testing.T) {
	srv := startWeb(t, false, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.(http.Flusher).Flush() // chunked
		fmt.Fprintf(w, "got %d bytes", len(b))
	})
	r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{srv.Port}, CIDRs: []string{serverIP + "/32"}})
	body := strings.Repeat("x", 100_000)
	resp, err := proxyClient(t, r.Addr).Post(fmt.Sprintf("http://api.test:%d/up", srv.Port), "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "got 100000 bytes" {
		t.Errorf("answer %q", b)
	}
	ev := r.WaitEvent(0)
	wantAllowed(t, ev, ProtoHTTP, "api.test", srv.Port, serverAddr(srv.Port), "")
	if ev.BytesOut < int64(len(body)) {
		t.Errorf("event BytesOut %d < the body's %d", ev.BytesOut, len(body))
	}
}

// TestHTTPUrllib: Python's urllib finds the proxy through the variables
// Env returns and reaches an allowed name over http and https; a refused
// name gets a 403 that says why.
func TestHTTPUrllib(t *testing.T) {
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		t.Skipf("no %s on this host: %v", py, err)
	}
	web := startWeb(t, false, nil)
	tlsSrv := startWeb(t, true, nil)
	r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{web.Port, tlsSrv.Port}, CIDRs: []string{serverIP + "/32"}})
	testCertificate(t)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, testPKI.pem, 0o600); err != nil {
		t.Fatal(err)
	}
	script := `
import ssl, sys, urllib.request, urllib.error
ctx = ssl.create_default_context(cafile=sys.argv[3])
for url in ("http://api.test:%s/py" % sys.argv[1], "https://api.test:%s/py" % sys.argv[2]):
    with urllib.request.urlopen(url, context=ctx if url.startswith("https") else None, timeout=10) as r:
        print(r.status, r.read().decode())
try:
    urllib.request.urlopen("http://other.test:%s/" % sys.argv[1], timeout=10)
    print("other.test reached")
except urllib.error.HTTPError as e:
    print(e.code, e.headers.get("X-Cordon-Refused"))
`
	cmd := exec.Command(py, "-I", "-c", script, strconv.Itoa(web.Port), strconv.Itoa(tlsSrv.Port), ca)
	cmd.Env = append(Env(r.Addr), "PATH=/usr/bin:/bin", "HOME="+t.TempDir())
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	want := fmt.Sprintf("200 hello api.test:%d /py\n200 hello api.test:%d /py\n403 domain-not-allowed\n", web.Port, tlsSrv.Port)
	if string(out) != want {
		t.Errorf("python printed\n%s\nwant\n%s", out, want)
	}
	evs := r.WaitEvents(3)
	slices.SortFunc(evs, func(a, b Event) int { return strings.Compare(string(a.Protocol)+a.Host, string(b.Protocol)+b.Host) })
	wantAllowed(t, evs[0], ProtoConnect, "api.test", tlsSrv.Port, serverAddr(tlsSrv.Port), "")
	wantAllowed(t, evs[1], ProtoHTTP, "api.test", web.Port, serverAddr(web.Port), "")
	wantRefused(t, evs[2], ProtoHTTP, "other.test", web.Port, ReasonDomain)
}

// TestHTTPInterimResponses: a 1xx interim answer (100 Continue to a
// request that expects it, 103 Early Hints) is not the response: the
// client must get the final one.
func TestHTTPInterimResponses(t *testing.T) {
	srv := startWeb(t, false, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hints" {
			w.Header().Set("Link", "</style.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
		}
		b, _ := io.ReadAll(r.Body) // sends 100 Continue when expected
		fmt.Fprintf(w, "final %d", len(b))
	})
	ps := strconv.Itoa(srv.Port)
	for _, tc := range []struct{ name, raw string }{
		{"100 continue", "POST http://api.test:" + ps + "/up HTTP/1.1\r\nHost: api.test:" + ps + "\r\nExpect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"},
		{"103 early hints", "POST http://api.test:" + ps + "/hints HTTP/1.1\r\nHost: api.test:" + ps + "\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{srv.Port}, CIDRs: []string{serverIP + "/32"}},
				func(c *Config) { c.RequestTimeout = 2 * time.Second })
			c := dialProxy(t, r.Addr)
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			io.WriteString(c, tc.raw)
			br := bufio.NewReader(c)
			var final *http.Response
			var seen []string
			for range 3 {
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatalf("after %q: reading the final answer: %v; events: %s", seen, err, eventsText(r.Events()))
				}
				seen = append(seen, resp.Status)
				if resp.StatusCode >= 200 {
					final = resp
					break
				}
			}
			if final == nil {
				t.Fatal("no final response")
			}
			if tc.name == "103 early hints" && (len(seen) != 2 || !strings.Contains(strings.Join(seen, ","), "103")) {
				t.Errorf("answers %q, want the 103 passed on before the final one", seen)
			}
			b, _ := io.ReadAll(final.Body)
			if final.StatusCode != 200 || string(b) != "final 5" {
				t.Errorf("final response %s %q, want 200 %q", final.Status, b, "final 5")
			}
			wantAllowed(t, r.WaitEvent(0), ProtoHTTP, "api.test", srv.Port, serverAddr(srv.Port), "")
		})
	}
}

// TestHTTPFraming: answers without a body (HEAD, 204, 304) and chunked
// ones keep a kept-alive client connection in step: the next answer on
// it is read where it starts.
func TestHTTPFraming(t *testing.T) {
	srv := startWeb(t, false, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/204":
			w.WriteHeader(http.StatusNoContent)
		case "/304":
			w.WriteHeader(http.StatusNotModified)
		case "/chunked":
			w.Write([]byte("part one,"))
			w.(http.Flusher).Flush()
			w.Write([]byte("part two"))
		default:
			w.Header().Set("Content-Length", "11")
			io.WriteString(w, "hello world")
		}
	})
	ps := strconv.Itoa(srv.Port)
	r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{srv.Port}, CIDRs: []string{serverIP + "/32"}})
	c := dialProxy(t, r.Addr)
	br := bufio.NewReader(c)
	for i, tc := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"HEAD", "/", 200, ""},
		{"GET", "/204", 204, ""},
		{"GET", "/304", 304, ""},
		{"GET", "/chunked", 200, "part one,part two"},
		{"GET", "/", 200, "hello world"},
	} {
		fmt.Fprintf(c, "%s http://api.test:%s%s HTTP/1.1\r\nHost: api.test:%s\r\n\r\n", tc.method, ps, tc.path, ps)
		resp, err := http.ReadResponse(br, &http.Request{Method: tc.method})
		if err != nil {
			t.Fatalf("%s %s: %v", tc.method, tc.path, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != tc.status || string(b) != tc.body {
			t.Errorf("%s %s: %s %q %v, want %d %q", tc.method, tc.path, resp.Status, b, err, tc.status, tc.body)
		}
		if resp.Close {
			t.Fatalf("%s %s: the proxy closes a kept-alive connection", tc.method, tc.path)
		}
		wantAllowed(t, r.WaitEvent(i), ProtoHTTP, "api.test", srv.Port, serverAddr(srv.Port), "")
	}
}

// TestHTTPUnaskedSwitch: a server answering 101 Switching Protocols to a
// request that asked for no upgrade does not get a raw pipe to the
// client.
func TestHTTPUnaskedSwitch(t *testing.T) {
	srv := startTCP(t, func(c net.Conn) {
		_, _ = http.ReadRequest(bufio.NewReader(c))
		_, _ = io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: raw\r\nConnection: Upgrade\r\n\r\nRAW BYTES FROM THE SERVER")
		_, _ = io.Copy(io.Discard, c)
	})
	r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{srv.Port}, CIDRs: []string{serverIP + "/32"}})
	c := dialProxy(t, r.Addr)
	fmt.Fprintf(c, "GET http://api.test:%d/ HTTP/1.1\r\nHost: api.test:%d\r\n\r\n", srv.Port, srv.Port)
	all, _ := io.ReadAll(c)
	if strings.Contains(string(all), "RAW BYTES") || strings.HasPrefix(string(all), "HTTP/1.1 101") {
		t.Errorf("the client got %q", all)
	}
	ev := r.WaitEvent(0)
	if ev.Host != "api.test" || ev.Protocol != ProtoHTTP {
		t.Errorf("event %s", eventsText([]Event{ev}))
	}
	r.Close()
	if evs := r.Events(); len(evs) != 1 {
		t.Errorf("%d events, want 1: %s", len(evs), eventsText(evs))
	}
}

// TestHTTPHopHeaders: headers meant for the proxy (Proxy-Authorization,
// Keep-Alive, TE, those named in Connection) never reach the server.
func TestHTTPHopHeaders(t *testing.T) {
	srv := startWeb(t, false, nil)
	ps := strconv.Itoa(srv.Port)
	r := newProxyRig(t, policy.Network{Domains: []string{"api.test"}, Ports: []int{srv.Port}, CIDRs: []string{serverIP + "/32"}})
	resp := rawRequest(t, r.Addr, "GET http://api.test:"+ps+"/h HTTP/1.1\r\nHost: api.test:"+ps+
		"\r\nConnection: keep-alive, X-Drop\r\nX-Drop: secret\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Connection: keep-alive"+
		"\r\nProxy-Authorization: Basic c2VjcmV0\r\nX-End-To-End: kept\r\n\r\n")
	if resp.StatusCode != 200 {
		t.Fatalf("status %s", resp.Status)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	h := reqs[0].Header
	for _, k := range []string{"X-Drop", "Keep-Alive", "Te", "Proxy-Connection", "Proxy-Authorization"} {
		if v := h.Values(k); len(v) > 0 {
			t.Errorf("the server got %s: %q", k, v)
		}
	}
	if h.Get("X-End-To-End") != "kept" {
		t.Errorf("an end-to-end header was dropped: %v", h)
	}
}
