package egress

import (
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/cordonsec/cordon/policy"
)

// Rules decide which destinations a run may reach, from the policy's
// network section. Deny by default: empty lists allow nothing.
type Rules struct {
	domains  *policy.DomainMatcher
	cidrs    *policy.AddrMatcher
	prefixes []netip.Prefix
	ports    policy.PortSet
	// host are the supervisor host's own interface addresses: a public
	// one reaches services bound to 0.0.0.0 from inside any firewall, so
	// it counts as special.
	host map[netip.Addr]bool
}

// NewRules builds the rules of n (domains, ports, cidrs).
func NewRules(n policy.Network) (*Rules, error) {
	d, err := policy.NewDomainMatcher(n.Domains, n.Ports)
	if err != nil {
		return nil, err
	}
	c, err := policy.NewAddrMatcher(n.CIDRs)
	if err != nil {
		return nil, err
	}
	ps, err := policy.NewPortSet(n.Ports)
	if err != nil {
		return nil, err
	}
	r := &Rules{domains: d, cidrs: c, ports: ps, host: map[netip.Addr]bool{}}
	for _, s := range n.CIDRs {
		p, _ := policy.NormalizeCIDR(s) // checked by NewAddrMatcher
		r.prefixes = append(r.prefixes, p)
	}
	return r, nil
}

// withHostAddrs adds the host's own interface addresses to the special
// ones.
func (r *Rules) withHostAddrs() {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok {
				r.host[ip.Unmap()] = true
			}
		}
	}
}

// destination is a host a client asked for, checked against the rules by
// name (or as an IP literal) but not yet resolved.
type destination struct {
	host    string     // normalised name, or the literal's text
	literal netip.Addr // valid for an IP literal
	port    int
}

// refusal is a decision against an attempt.
type refusal struct {
	reason Reason
	msg    string
}

func refuse(reason Reason, format string, a ...any) *refusal {
	return &refusal{reason: reason, msg: fmt.Sprintf(format, a...)}
}

// Check decides host:port by name: an allowed name on an allowed port, or
// an IP literal inside network.cidrs on one of network.ports.
func (r *Rules) check(host string, port int) (destination, *refusal) {
	h := strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if port < 1 || port > 65535 {
		return destination{host: h, port: port}, refuse(ReasonBadRequest, "port %d is out of range", port)
	}
	if a, err := netip.ParseAddr(h); err == nil {
		a = a.Unmap().WithZone("")
		d := destination{host: a.String(), literal: a, port: port}
		if !r.cidrs.Contains(a) || !r.allowAddr(a) {
			return d, refuse(ReasonIPLiteral, "%s is an IP address outside network.cidrs (%s)", a, r.className(a))
		}
		if !r.ports.Contains(port) {
			return d, refuse(ReasonPort, "port %d is not in network.ports", port)
		}
		return d, nil
	}
	name, err := policy.NormalizeHost(h)
	if err != nil {
		return destination{host: h, port: port}, refuse(ReasonDomain, "%q is not a valid host name", h)
	}
	d := destination{host: name, port: port}
	if r.domains.Allow(name, port) {
		return d, nil
	}
	if r.domains.AllowName(name) {
		return d, refuse(ReasonPort, "%s is allowed, but not on port %d", name, port)
	}
	return d, refuse(ReasonDomain, "%s is not in network.domains", name)
}

// Special addresses (loopback, private, link-local, multicast, metadata,
// reserved, the host's own) are allowed only by a CIDR entry at least
// this narrow: 0.0.0.0/0 written for "any public address" must not open
// the host's loopback or the metadata service.
const (
	minSpecialBits4 = policy.MinSpecialCIDRBits4 // 10.0.0.0/8, 127.0.0.0/8
	minSpecialBits6 = policy.MinSpecialCIDRBits6 // fc00::/7
)

// allowAddr says whether an address may be dialled: a public one may; a
// special one only inside a narrow enough network.cidrs entry; the
// unspecified address (which reaches the host itself) never.
func (r *Rules) allowAddr(a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	switch policy.Classify(a) {
	case policy.ClassInvalid, policy.ClassUnspecified:
		return false
	case policy.ClassPublic:
		if !r.host[a] {
			return true
		}
	}
	for _, p := range r.prefixes {
		min := minSpecialBits6
		if p.Addr().Is4() {
			min = minSpecialBits4
		}
		if p.Bits() >= min && p.Contains(a) {
			return true
		}
	}
	return false
}

// className names a's kind for messages.
func (r *Rules) className(a netip.Addr) string {
	a = a.Unmap().WithZone("")
	if r.host[a] {
		return "an address of this host"
	}
	return string(policy.Classify(a))
}

// normalizeDest returns the form a destination host is compared in: an
// IP literal unmapped, a name as policy.NormalizeHost gives it.
func normalizeDest(host string) (string, bool) {
	h := strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if a, err := netip.ParseAddr(h); err == nil {
		return a.Unmap().WithZone("").String(), true
	}
	n, err := policy.NormalizeHost(h)
	return n, err == nil
}
