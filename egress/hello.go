package egress

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"time"

	"github.com/cordonsec/cordon/policy"
)

// errHelloRead stops crypto/tls's server handshake once the ClientHello
// has been parsed.
var errHelloRead = errors.New("client hello read")

// errNotTLS: the stream does not start with a TLS ClientHello.
var errNotTLS = errors.New("not a TLS ClientHello")

// helloInfo is what the proxy needs of a ClientHello.
type helloInfo struct {
	sni string // server name; "" when it names none
	// ech: the hello carries encrypted_client_hello (0xfe0d): its real
	// server name is in an encrypted inner hello the proxy cannot read.
	ech bool
}

// extECH is the encrypted_client_hello extension.
const extECH = 0xfe0d

// readClientHello reads one TLS ClientHello from r and returns what it
// asks for and every byte it read, to be replayed upstream. Parsing is
// crypto/tls's own: a server handshake over a connection that only
// records what it reads, stopped from the GetConfigForClient callback
// before it answers anything.
func readClientHello(r io.Reader) (hello helloInfo, raw []byte, err error) {
	rc := &recordingConn{r: r}
	got := false
	srv := tls.Server(rc, &tls.Config{
		GetConfigForClient: func(h *tls.ClientHelloInfo) (*tls.Config, error) {
			hello.sni, got = h.ServerName, true
			for _, e := range h.Extensions {
				hello.ech = hello.ech || e == extECH
			}
			return nil, errHelloRead
		},
	})
	herr := srv.Handshake()
	if got {
		return hello, rc.buf, nil
	}
	if herr == nil {
		herr = errNotTLS
	}
	return helloInfo{}, rc.buf, errors.Join(errNotTLS, herr)
}

// recordingConn is the net.Conn crypto/tls reads the ClientHello from: it
// reads from r, keeps a copy of everything, and swallows what the
// handshake would write (an alert).
type recordingConn struct {
	r   io.Reader
	buf []byte
}

func (c *recordingConn) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.buf = append(c.buf, p[:n]...)
	return n, err
}

func (c *recordingConn) Write(p []byte) (int, error)      { return len(p), nil }
func (c *recordingConn) Close() error                     { return nil }
func (c *recordingConn) LocalAddr() net.Addr              { return nil }
func (c *recordingConn) RemoteAddr() net.Addr             { return nil }
func (c *recordingConn) SetDeadline(time.Time) error      { return nil }
func (c *recordingConn) SetReadDeadline(time.Time) error  { return nil }
func (c *recordingConn) SetWriteDeadline(time.Time) error { return nil }

// alertUnrecognizedName is a fatal TLS alert record (unrecognized_name,
// 112): what a client that sent a refused server name is told.
var alertUnrecognizedName = []byte{0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 112}

// checkSNI compares a ClientHello's server name with the host the client
// asked the proxy for; an encrypted ClientHello (ECH, GREASE ECH as
// Chrome sends it included) is refused, its outer name proves nothing. A name must match exactly (both normalised); an
// IP-literal host must come with no server name (clients send none for
// addresses).
func checkSNI(d destination, hello helloInfo) *refusal {
	sni := hello.sni
	if hello.ech {
		return refuse(ReasonECH, "the TLS ClientHello for %s is encrypted (ECH): the proxy cannot see which host the tunnel is for", d.host)
	}
	if sni == "" {
		if d.literal.IsValid() {
			return nil
		}
		return refuse(ReasonSNIMissing, "the TLS ClientHello for %s names no server (SNI): refused, the proxy must see which host the tunnel is for", d.host)
	}
	if d.literal.IsValid() {
		return refuse(ReasonSNIMismatch, "the TLS ClientHello names %q but the tunnel is to the address %s", sni, d.host)
	}
	if n, err := policy.NormalizeHost(sni); err != nil || n != d.host {
		return refuse(ReasonSNIMismatch, "the TLS ClientHello names %q but the tunnel is to %s (domain fronting)", sni, d.host)
	}
	return nil
}
