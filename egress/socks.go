package egress

// SOCKS5 (RFC 1928), the server side, by hand: golang.org/x/net/proxy has
// only a client, and the subset served here is small (no authentication,
// CONNECT only).

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
)

const socksVersion = 0x05

// SOCKS5 reply codes.
const (
	socksOK             = 0x00
	socksFailure        = 0x01
	socksNotAllowed     = 0x02
	socksHostUnreach    = 0x04
	socksRefused        = 0x05
	socksCmdUnsupported = 0x07
	socksAddrUnsupp     = 0x08
)

// serveSOCKS serves one SOCKS5 CONNECT. The destination is checked,
// resolved and dialled before the reply (a server may speak first); a
// stream whose first bytes are a TLS ClientHello must name the same host.
func (p *Proxy) serveSOCKS(c net.Conn, br *bufio.Reader) {
	a := p.newAttempt(ProtoSOCKS5, c)
	bad := func(code byte, format string, args ...any) {
		a.refuse(refuse(ReasonBadRequest, format, args...))
		if code != 0 {
			socksReply(c, code)
		}
	}
	// Greeting: VER NMETHODS METHODS...
	var hdr [2]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		bad(0, "SOCKS5 greeting cut short: %v", err)
		return
	}
	methods := make([]byte, hdr[1])
	if _, err := io.ReadFull(br, methods); err != nil {
		bad(0, "SOCKS5 greeting cut short: %v", err)
		return
	}
	noAuth := false
	for _, m := range methods {
		noAuth = noAuth || m == 0x00
	}
	if !noAuth {
		_, _ = c.Write([]byte{socksVersion, 0xff})
		bad(0, "SOCKS5 client offers no method the proxy accepts (it needs no authentication)")
		return
	}
	if _, err := c.Write([]byte{socksVersion, 0x00}); err != nil {
		return
	}
	// Request: VER CMD RSV ATYP DST.ADDR DST.PORT
	var req [4]byte
	if _, err := io.ReadFull(br, req[:]); err != nil {
		bad(0, "SOCKS5 request cut short: %v", err)
		return
	}
	if req[0] != socksVersion {
		bad(socksFailure, "SOCKS5 request has version %d", req[0])
		return
	}
	host, err := readSOCKSAddr(br, req[3])
	if err != nil {
		code := byte(socksFailure)
		if errors.Is(err, errAddrType) {
			code = socksAddrUnsupp
		}
		bad(code, "SOCKS5 request: %v", err)
		return
	}
	var pb [2]byte
	if _, err := io.ReadFull(br, pb[:]); err != nil {
		bad(0, "SOCKS5 request cut short: %v", err)
		return
	}
	port := int(binary.BigEndian.Uint16(pb[:]))
	if req[1] != 0x01 {
		a.ev.Host, a.ev.Port = host, port
		bad(socksCmdUnsupported, "SOCKS5 command %d is not supported (only CONNECT; no BIND, no UDP)", req[1])
		return
	}
	d, r := p.rules.check(host, port)
	a.ev.Host, a.ev.Port = d.host, port
	var addrs []netip.AddrPort
	var up net.Conn
	if r == nil {
		addrs, r = p.admit(p.ctx, a, d)
	}
	if r == nil {
		up, r = p.dial(p.ctx, a, addrs)
	}
	if r != nil {
		a.refuse(r)
		socksReply(c, socksCode(r.reason))
		return
	}
	defer up.Close()
	if !p.register(c, a, up) {
		return
	}
	if err := socksReply(c, socksOK); err != nil {
		a.finish()
		return
	}
	a.relay(c, up, nil, socksInspect(br, a, d))
	a.finish()
}

// socksInspect returns the check of a SOCKS stream's first client
// bytes: when they start like TLS, they must be a ClientHello whose server
// name is the host asked for (as for CONNECT), before anything is sent
// upstream. Other
// streams pass as they are (SOCKS is for any TCP client). It runs in the
// relay's upstream direction, so a server that speaks first is not held.
func socksInspect(br *bufio.Reader, a *attempt, d destination) func() ([]byte, bool) {
	return func() ([]byte, bool) {
		b, err := br.Peek(1)
		if err != nil {
			a.cut(a.cause(err, ""))
			return nil, false
		}
		if b[0] < 0x14 || b[0] > 0x18 {
			return drain(br), true
		}
		// A TLS record type (change_cipher_spec .. heartbeat): is the
		// next byte TLS's major version?
		if b, err := br.Peek(2); err != nil || b[1] != 0x03 {
			if err != nil {
				a.cut(a.cause(err, ""))
				return nil, false
			}
			return drain(br), true
		}
		// A TLS stream must open with a ClientHello naming the host;
		// one that cannot be read as such (an alert first, a name
		// crypto/tls refuses) is refused, never passed unchecked.
		hello, raw, err := readClientHello(br)
		r := checkSNI(d, hello)
		if err != nil {
			r = refuse(ReasonNotTLS, "the SOCKS5 stream to %s starts like TLS but not with a readable ClientHello: refused", a.target())
		}
		if r != nil {
			a.refusal = r
			_, _ = a.client.Write(alertUnrecognizedName)
			a.cut(r.reason)
			return nil, false
		}
		// Nothing was sent upstream yet: the hello's bytes follow.
		return append(raw, drain(br)...), true
	}
}

var errAddrType = fmt.Errorf("address type not supported")

// readSOCKSAddr reads DST.ADDR of type atyp: an IPv4 or IPv6 address
// (returned as text) or a name.
func readSOCKSAddr(r io.Reader, atyp byte) (string, error) {
	switch atyp {
	case 0x01, 0x04:
		b := make([]byte, 4)
		if atyp == 0x04 {
			b = make([]byte, 16)
		}
		if _, err := io.ReadFull(r, b); err != nil {
			return "", err
		}
		a, _ := netip.AddrFromSlice(b)
		return a.Unmap().String(), nil
	case 0x03:
		var n [1]byte
		if _, err := io.ReadFull(r, n[:]); err != nil {
			return "", err
		}
		if n[0] == 0 {
			return "", fmt.Errorf("empty host name")
		}
		b := make([]byte, n[0])
		if _, err := io.ReadFull(r, b); err != nil {
			return "", err
		}
		return string(b), nil
	}
	return "", errAddrType
}

// socksCode is the reply to a refused CONNECT.
func socksCode(r Reason) byte {
	switch r {
	case ReasonResolve:
		return socksHostUnreach
	case ReasonDial:
		return socksRefused
	}
	return socksNotAllowed // the rules or a run limit
}

// socksReply answers a request; the bound address is not told (zeros).
func socksReply(c net.Conn, code byte) error {
	_, err := c.Write([]byte{socksVersion, code, 0x00, 0x01, 0, 0, 0, 0, 0, 0})
	return err
}
