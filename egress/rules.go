package egress

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/cordonsec/cordon/policy"
)

// Rules decide which destinations a run may reach, from the policy's
// network section. Deny by default: empty lists allow nothing.
type Rules struct {
	domains *policy.DomainMatcher
	cidrs   *policy.AddrMatcher
	ports   policy.PortSet
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
	return &Rules{domains: d, cidrs: c, ports: ps}, nil
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

func (r *refusal) Error() string { return r.msg }

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
		if !r.cidrs.Contains(a) {
			return d, refuse(ReasonIPLiteral, "%s is an IP address outside network.cidrs", a)
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

// allowAddr says whether a resolved address may be dialled: public ones
// may; loopback, private, link-local, multicast, metadata, unspecified and
// reserved ones only inside network.cidrs.
func (r *Rules) allowAddr(a netip.Addr) bool {
	return policy.Classify(a) == policy.ClassPublic || r.cidrs.Contains(a)
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
