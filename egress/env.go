package egress

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/cordonsec/cordon/policy"
)

// Env returns the proxy variables for a sandbox whose proxy is at addr
// ("127.0.0.1:3128"), upper- and lower-case, for urllib, requests, pip,
// curl and most other clients. ALL_PROXY names SOCKS5 with remote name
// resolution (socks5h): the sandbox has no resolver of its own.
// NO_PROXY keeps the sandbox's own loopback direct.
func Env(addr string) []string {
	vars := []struct{ name, value string }{
		{"HTTP_PROXY", "http://" + addr},
		{"HTTPS_PROXY", "http://" + addr},
		{"ALL_PROXY", "socks5h://" + addr},
		{"NO_PROXY", "localhost,127.0.0.1,::1"},
	}
	env := make([]string, 0, 2*len(vars))
	for _, v := range vars {
		env = append(env, v.name+"="+v.value, strings.ToLower(v.name)+"="+v.value)
	}
	return env
}

// StaticResolver answers from a fixed table (lower-case ASCII names) and
// says "no such host" for every other name: for tests and for pinning
// names (`cordon run --resolve`). The addresses still go through the
// rules: a pinned private address needs a CIDR entry.
type StaticResolver map[string][]netip.Addr

// LookupNetIP implements Resolver.
func (s StaticResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := s[strings.ToLower(strings.TrimSuffix(host, "."))]; ok && len(a) > 0 {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// ParseResolve parses a pin "name=addr[,addr...]".
func ParseResolve(s string) (string, []netip.Addr, error) {
	name, list, ok := strings.Cut(s, "=")
	if !ok || name == "" || list == "" {
		return "", nil, fmt.Errorf("resolve %q: want NAME=ADDRESS[,ADDRESS...]", s)
	}
	var addrs []netip.Addr
	for _, a := range strings.Split(list, ",") {
		ip, err := netip.ParseAddr(strings.TrimSpace(a))
		if err != nil {
			return "", nil, fmt.Errorf("resolve %q: %q is not an IP address", s, a)
		}
		addrs = append(addrs, ip.Unmap())
	}
	n, err := policy.NormalizeHost(name)
	if err != nil {
		return "", nil, fmt.Errorf("resolve %q: %w", s, err)
	}
	return n, addrs, nil
}

// Pinned answers the names in Pins from there and asks Next (nil:
// net.DefaultResolver) for every other name, as curl's --resolve does.
type Pinned struct {
	Pins StaticResolver
	Next Resolver
}

// LookupNetIP implements Resolver.
func (r Pinned) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if a, ok := r.Pins[strings.ToLower(strings.TrimSuffix(host, "."))]; ok && len(a) > 0 {
		return a, nil
	}
	next := r.Next
	if next == nil {
		next = net.DefaultResolver
	}
	return next.LookupNetIP(ctx, network, host)
}
