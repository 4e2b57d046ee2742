// Package egress owns the host-side filtering proxy of network mode
// allowlist: the only way a sandboxed script reaches the network.
//
// The sandbox's network namespace has loopback only. Inside it, 127.0.0.1
// on [Port] is a listening socket the sandbox's init created in that
// namespace and handed to the supervisor, which serves it with a [Proxy]:
// every connection the script opens to the proxy arrives here, on the
// host side, and nothing else leaves the namespace (no interface, no
// route). The script's tools find the proxy through the variables [Env]
// returns (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY and lower-case
// forms).
//
// One port speaks three protocols, told apart by the first byte: SOCKS5
// (0x05) for any TCP client, and otherwise HTTP: CONNECT tunnels and
// plain-HTTP forwarding in absolute form ("GET http://host/ HTTP/1.1").
//
// Each attempt is decided by [Rules]:
//   - a name is allowed when it matches network.domains (exact or "*."
//     wildcard) on an allowed port (the entry's own, else network.ports);
//     an empty list allows nothing;
//   - the proxy resolves names itself and dials only addresses it checked:
//     loopback, private, link-local, multicast, unspecified, reserved and
//     cloud-metadata addresses are refused unless network.cidrs holds them
//     (the DNS-rebinding defence); the name is never resolved again;
//   - an IP literal needs a network.cidrs entry and a port in
//     network.ports;
//   - a CONNECT tunnel must start with a TLS ClientHello whose SNI is the
//     CONNECT host (no domain fronting; an IP-literal target may send no
//     SNI); a SOCKS5 stream that starts like TLS gets the same check
//     (other SOCKS5 streams, plain HTTP included, are checked by address
//     and port only); plain HTTP through the proxy needs its Host header
//     to match the request URL;
//   - per-run limits: allowed connections (network.max_connections),
//     bytes out and in (network.max_bytes_out/in, counted over the run),
//     and the life of one connection (network.connection_time).
//
// Every attempt, allowed or refused, ends as one [Event] with the host,
// the address dialled, the port, the bytes each way and the duration.
package egress
