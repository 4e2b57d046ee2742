package egress

import (
	"context"
	"net"
	"net/netip"
	"time"
)

// Port is where the proxy listens inside the sandbox, on 127.0.0.1.
const Port = 3128

// Protocol names how a client asked for a connection.
type Protocol string

const (
	ProtoConnect Protocol = "http-connect" // HTTP CONNECT tunnel
	ProtoHTTP    Protocol = "http"         // plain HTTP forwarding
	ProtoSOCKS5  Protocol = "socks5"
)

// Reason is a stable code saying why an attempt was refused or an allowed
// connection was cut.
type Reason string

const (
	ReasonDomain      Reason = "domain-not-allowed"     // name not in network.domains
	ReasonPort        Reason = "port-not-allowed"       // name allowed, port not
	ReasonIPLiteral   Reason = "ip-not-allowed"         // IP literal outside network.cidrs
	ReasonAddress     Reason = "address-not-allowed"    // every resolved address is special and not in network.cidrs
	ReasonResolve     Reason = "resolve-failed"         // the name did not resolve
	ReasonDial        Reason = "dial-failed"            // no allowed address answered
	ReasonSNIMissing  Reason = "sni-missing"            // CONNECT ClientHello without server name
	ReasonSNIMismatch Reason = "sni-mismatch"           // ClientHello names another host
	ReasonECH         Reason = "encrypted-client-hello" // ECH hides the server name
	ReasonNotTLS      Reason = "not-tls"                // CONNECT stream is not a TLS ClientHello
	ReasonHostHeader  Reason = "host-header-mismatch"
	ReasonBadRequest  Reason = "bad-request" // malformed or unsupported request
	ReasonConnLimit   Reason = "connection-limit"
	ReasonBytesOut    Reason = "bytes-out-limit"
	ReasonBytesIn     Reason = "bytes-in-limit"
	ReasonTime        Reason = "connection-time-limit"
	ReasonClosed      Reason = "proxy-closed" // the run ended
	ReasonClientGone  Reason = "client-gone"  // the client left before the connection was made
)

// Event is one attempt: refused before any upstream connection, or
// allowed and reported when it ended.
type Event struct {
	Time     time.Time // when the client's request was read
	Protocol Protocol
	// Host is the destination as the client named it, normalised
	// (lower-case ASCII name, or an IP literal); Port its port.
	Host string
	Port int
	// Address is the address dialled (allowed) or the resolved addresses
	// refused, comma-separated; empty when refused before resolving.
	Address string
	Allowed bool
	// Reason is why a refused attempt was refused, or the limit that cut
	// an allowed connection; empty for an allowed connection that ended
	// normally.
	Reason  Reason
	Message string // one line for people
	// Bytes sent upstream (out) and to the client (in), and how long the
	// connection lived.
	BytesOut, BytesIn int64
	Duration          time.Duration
}

// Resolver looks names up for the proxy. *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Dialer opens upstream connections; it is only ever given an IP:port the
// rules allowed. *net.Dialer is one.
type Dialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// Stats are a proxy's totals so far.
type Stats struct {
	Allowed, Refused  int
	BytesOut, BytesIn int64
}
