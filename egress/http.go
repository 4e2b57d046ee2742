package egress

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// serveHTTP reads requests from one client connection: a CONNECT turns
// it into a tunnel; plain requests are forwarded one by one, each its own
// attempt, while the client keeps the connection alive.
func (p *Proxy) serveHTTP(c net.Conn, br *bufio.Reader) {
	for first := true; ; first = false {
		// A forwarded request's connection life bounded both ways;
		// the next request gets a fresh read bound.
		_ = c.SetDeadline(time.Time{})
		_ = c.SetReadDeadline(time.Now().Add(p.cfg.RequestTimeout))
		head, err := peekHead(br)
		if err != nil {
			if !first && len(head) == 0 {
				return // keep-alive connection closed between requests
			}
			a := p.newAttempt(ProtoHTTP, c)
			a.refuse(refuse(ReasonBadRequest, "unreadable request: %v", err))
			writeRefusal(c, http.StatusBadRequest, a.ev.Reason, a.ev.Message)
			return
		}
		hostHeaders := headerValues(head, "Host")
		req, err := http.ReadRequest(br)
		if err != nil {
			a := p.newAttempt(ProtoHTTP, c)
			a.refuse(refuse(ReasonBadRequest, "malformed request: %v", err))
			writeRefusal(c, http.StatusBadRequest, a.ev.Reason, a.ev.Message)
			return
		}
		if req.Method == http.MethodConnect {
			p.serveConnect(c, br, req)
			return
		}
		if !p.forward(c, br, req, hostHeaders) {
			return
		}
	}
}

// peekHead returns the request head (up to the empty line) without
// consuming it; an error when it is longer than the buffer (maxHeader) or
// the client stops sending.
func peekHead(br *bufio.Reader) ([]byte, error) {
	for {
		b, _ := br.Peek(br.Buffered())
		// The head ends at its first empty line, CRLF or bare LF (as
		// net/textproto reads it): the earlier of "\n\r\n" and "\n\n".
		end := -1
		if i := bytes.Index(b, []byte("\n\r\n")); i >= 0 {
			end = i + 3
		}
		if i := bytes.Index(b, []byte("\n\n")); i >= 0 && (end < 0 || i+2 < end) {
			end = i + 2
		}
		if end >= 0 {
			return b[:end], nil
		}
		if len(b) >= maxHeader {
			return b, fmt.Errorf("request head longer than %d bytes", maxHeader)
		}
		// One byte more than is buffered: Peek then reads what the
		// connection has, without waiting for a fixed amount.
		if _, err := br.Peek(len(b) + 1); err != nil {
			b, _ = br.Peek(br.Buffered())
			return b, err
		}
	}
}

// headerValues returns the values of header name in a raw request head
// (net/http drops the Host header of an absolute-form request, and the
// proxy must compare it with the URL).
func headerValues(head []byte, name string) []string {
	var vals []string
	lines := strings.Split(string(head), "\n")
	for _, l := range lines[1:] {
		k, v, ok := strings.Cut(strings.TrimRight(l, "\r"), ":")
		if ok && textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(k)) == name {
			vals = append(vals, strings.TrimSpace(v))
		}
	}
	return vals
}

// splitTarget splits "host:port" (port required unless def is given).
func splitTarget(hostport string, def int) (string, int, error) {
	host, ps, err := net.SplitHostPort(hostport)
	if err != nil {
		if def == 0 || strings.Contains(hostport, "]:") {
			return "", 0, fmt.Errorf("%q is not host:port", hostport)
		}
		host, ps = strings.TrimSuffix(strings.TrimPrefix(hostport, "["), "]"), strconv.Itoa(def)
	}
	port, err := strconv.Atoi(ps)
	if err != nil || port < 1 || port > 65535 || host == "" {
		return "", 0, fmt.Errorf("%q is not host:port", hostport)
	}
	return host, port, nil
}

// serveConnect opens a tunnel: the target is checked and resolved before
// the client is told 200; the tunnel's first bytes must then be a TLS
// ClientHello for that host, and only then is the upstream dialled.
func (p *Proxy) serveConnect(c net.Conn, br *bufio.Reader, req *http.Request) {
	a := p.newAttempt(ProtoConnect, c)
	host, port, err := splitTarget(req.RequestURI, 0)
	if err != nil {
		a.refuse(refuse(ReasonBadRequest, "CONNECT needs host:port: %v", err))
		writeRefusal(c, http.StatusBadRequest, a.ev.Reason, a.ev.Message)
		return
	}
	d, r := p.rules.check(host, port)
	a.ev.Host, a.ev.Port = d.host, port
	if r != nil {
		a.refuse(r)
		writeRefusal(c, http.StatusForbidden, r.reason, r.msg)
		return
	}
	ctx := p.ctx
	addrs, r := p.admit(ctx, a, d)
	if r != nil {
		a.refuse(r)
		writeRefusal(c, http.StatusForbidden, r.reason, r.msg)
		return
	}
	// The slot admit took is this attempt's until dial takes it over.
	held := true
	defer func() {
		if held {
			p.releaseSlot()
		}
	}()
	if _, err := io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		a.refuse(refuse(ReasonClientGone, "the client left before the tunnel to %s opened", a.target()))
		return
	}
	// The ClientHello is due within the request's own time bound (set
	// before the request was read): the undecided phase has one bound.
	hello, raw, err := readClientHello(br)
	if err != nil && len(raw) == 0 {
		a.refuse(refuse(ReasonNotTLS, "the CONNECT tunnel to %s ended or timed out before a TLS ClientHello", a.target()))
		return
	}
	if err != nil {
		a.refuse(refuse(ReasonNotTLS, "the CONNECT tunnel to %s did not start with a TLS ClientHello: refused, tunnels carry TLS only", a.target()))
		return
	}
	if r := checkSNI(d, hello); r != nil {
		a.refuse(r)
		_, _ = c.Write(alertUnrecognizedName)
		return
	}
	held = false
	up, r := p.dial(ctx, a, addrs)
	if r != nil {
		a.refuse(r)
		return
	}
	defer up.Close()
	if !p.register(c, a, up) {
		return
	}
	a.relay(c, up, append(raw, drain(br)...), nil)
	a.finish()
}

// drain returns what br holds already read from the connection.
func drain(br *bufio.Reader) []byte {
	b, _ := br.Peek(br.Buffered())
	out := append([]byte(nil), b...)
	_, _ = br.Discard(len(b))
	return out
}

// hopHeaders are meant for the proxy, not the server (RFC 9110 7.6.1).
// Transfer-Encoding is one too, but net/http keeps it out of Header and
// frames each message itself.
var hopHeaders = []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Upgrade"}

// dropHopHeaders removes the hop-by-hop headers from h, those the
// Connection header names included.
func dropHopHeaders(h http.Header) {
	for _, name := range strings.Split(h.Get("Connection"), ",") {
		if name = strings.TrimSpace(name); name != "" {
			h.Del(name)
		}
	}
	for _, name := range hopHeaders {
		h.Del(name)
	}
}

// forward sends one plain-HTTP request on its own upstream connection and
// its response back; it reports whether the client connection may carry
// another request.
func (p *Proxy) forward(c net.Conn, br *bufio.Reader, req *http.Request, hostHeaders []string) bool {
	a := p.newAttempt(ProtoHTTP, c)
	fail := func(status int, r *refusal) bool {
		a.refuse(r)
		writeRefusal(c, status, r.reason, r.msg)
		return false
	}
	u := req.URL
	if u.Scheme != "http" || u.Host == "" {
		if u.Host == "" {
			return fail(http.StatusBadRequest, refuse(ReasonBadRequest, "request for %q is not for a proxy: a proxied request names the server (GET http://host/path)", req.RequestURI))
		}
		return fail(http.StatusBadRequest, refuse(ReasonBadRequest, "scheme %q cannot be forwarded: use http://, or CONNECT for TLS", u.Scheme))
	}
	host, port, err := splitTarget(u.Host, 80)
	if err != nil {
		return fail(http.StatusBadRequest, refuse(ReasonBadRequest, "bad request URL host: %v", err))
	}
	d, r := p.rules.check(host, port)
	a.ev.Host, a.ev.Port = d.host, port
	if r != nil {
		return fail(http.StatusForbidden, r)
	}
	// (Several Host headers never get here: net/http refuses them.)
	if len(hostHeaders) == 1 && !sameHost(hostHeaders[0], d, port) {
		return fail(http.StatusForbidden, refuse(ReasonHostHeader, "the Host header %q differs from the request's host %s", hostHeaders[0], a.target()))
	}
	if req.Header.Get("Upgrade") != "" {
		return fail(http.StatusBadRequest, refuse(ReasonBadRequest, "protocol upgrades over plain HTTP are not forwarded (use CONNECT)"))
	}
	ctx := p.ctx
	addrs, r := p.admit(ctx, a, d)
	if r != nil {
		return fail(http.StatusForbidden, r)
	}
	up, r := p.dial(ctx, a, addrs)
	if r != nil {
		status := http.StatusForbidden // a limit of the run
		if r.reason == ReasonDial {
			status = http.StatusBadGateway
		}
		return fail(status, r)
	}
	defer up.Close()
	if !p.register(c, a, up) {
		return false
	}
	a.setLife(c, up)
	keep := !req.Close
	dropHopHeaders(req.Header)
	if strings.EqualFold(req.Header.Get("Expect"), "100-continue") {
		// The request is allowed and its server reached: the client may
		// send its body now, and need not wait for the server's own 100.
		req.Header.Del("Expect")
		if req.ProtoAtLeast(1, 1) {
			if _, err := io.WriteString(c, "HTTP/1.1 100 Continue\r\n\r\n"); err != nil {
				return a.endForward(err, "")
			}
		}
	}
	req.RequestURI = ""
	req.Close = true // one upstream connection per request
	upW := bufio.NewWriter(countingWriter{w: up, b: p.out, n: &a.out, hit: &a.outHit})
	if err := req.Write(upW); err != nil {
		return a.endForward(err, ReasonBytesOut)
	}
	if err := upW.Flush(); err != nil {
		return a.endForward(err, ReasonBytesOut)
	}
	upR := bufio.NewReader(countingReader{r: up, b: p.in, n: &a.in, hit: &a.inHit})
	resp, err := http.ReadResponse(upR, req)
	// Interim responses (100 Continue, 103 Early Hints) pass on as they
	// come; the final one follows. 101 would switch protocols, and
	// upgrades were refused above.
	for err == nil && resp.StatusCode >= 100 && resp.StatusCode < 200 && resp.StatusCode != http.StatusSwitchingProtocols {
		if !req.ProtoAtLeast(1, 1) {
			// HTTP/1.0 clients get no interim answers (RFC 9110 15.2).
			resp, err = http.ReadResponse(upR, req)
			continue
		}
		if err = writeInterim(c, resp); err == nil {
			resp, err = http.ReadResponse(upR, req)
		}
	}
	if err != nil {
		if a.cause(err, ReasonBytesIn) == "" {
			writeRefusal(c, http.StatusBadGateway, "", fmt.Sprintf("no valid response from %s: %v", a.target(), err))
		}
		return a.endForward(err, ReasonBytesIn)
	}
	if resp.StatusCode == http.StatusSwitchingProtocols {
		writeRefusal(c, http.StatusBadGateway, "", fmt.Sprintf("%s switched protocols without being asked to", a.target()))
		return a.endForward(errors.New("unexpected 101"), "")
	}
	defer resp.Body.Close()
	dropHopHeaders(resp.Header)
	if resp.ContentLength < 0 && len(resp.TransferEncoding) == 0 && req.Method != http.MethodHead {
		keep = false // the body ends when the server closes
	}
	resp.Close = !keep
	if err := resp.Write(c); err != nil {
		return a.endForward(err, ReasonBytesIn)
	}
	a.finish()
	return keep
}

// writeInterim passes a 1xx response on: its status line and headers.
func writeInterim(c net.Conn, resp *http.Response) error {
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP/1.1 %s\r\n", resp.Status)
	_ = resp.Header.Write(&b)
	b.WriteString("\r\n")
	_, err := io.WriteString(c, b.String())
	return err
}

// endForward reports a forwarded request that ended on an error.
func (a *attempt) endForward(err error, limit Reason) bool {
	a.cut(a.cause(err, limit))
	a.finish()
	return false
}

// sameHost compares a Host header with the request's destination.
func sameHost(header string, d destination, port int) bool {
	h, hp, err := splitTarget(header, 80)
	if err != nil || hp != port {
		return false
	}
	hd, ok := normalizeDest(h)
	return ok && hd == d.host
}

// writeRefusal answers a refused HTTP request.
func writeRefusal(c net.Conn, status int, reason Reason, msg string) {
	body := "cordon: " + msg + "\n"
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", status, http.StatusText(status))
	if reason != "" {
		fmt.Fprintf(&b, "X-Cordon-Refused: %s\r\n", reason)
	}
	fmt.Fprintf(&b, "Content-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
	_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, _ = io.WriteString(c, b.String())
}
