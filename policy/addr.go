package policy

import (
	"fmt"
	"net/netip"
	"strings"
)

// NormalizeCIDR parses a network.cidrs entry: a prefix ("10.0.0.0/8",
// "2001:db8::/32") or a single address (taken as /32 or /128). Host bits
// must be zero; an IPv4-mapped IPv6 prefix becomes the IPv4 prefix.
func NormalizeCIDR(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("bad CIDR %q (want an address range such as 10.0.0.0/8 or 2001:db8::/32)", s)
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("bad CIDR %q (want an address range such as 10.0.0.0/8 or 2001:db8::/32)", s)
	}
	if p.Addr().Is4In6() {
		if p.Bits() < 96 {
			return netip.Prefix{}, fmt.Errorf("CIDR %q: an IPv4-mapped range needs at least 96 bits", s)
		}
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	if p.Masked() != p {
		return netip.Prefix{}, fmt.Errorf("CIDR %q has host bits set (did you mean %s?)", s, p.Masked())
	}
	return p, nil
}

// AddrMatcher decides whether an address is in network.cidrs. Deny by
// default: an empty list holds nothing.
type AddrMatcher struct {
	prefixes []netip.Prefix
}

// NewAddrMatcher parses cidrs.
func NewAddrMatcher(cidrs []string) (*AddrMatcher, error) {
	m := &AddrMatcher{}
	for _, c := range cidrs {
		p, err := NormalizeCIDR(c)
		if err != nil {
			return nil, err
		}
		m.prefixes = append(m.prefixes, p)
	}
	return m, nil
}

// Contains reports whether a is in one of the ranges. An IPv4-mapped IPv6
// address is unmapped first, so ::ffff:10.0.0.1 is 10.0.0.1; a zone is
// ignored.
func (m *AddrMatcher) Contains(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	a = a.Unmap().WithZone("")
	for _, p := range m.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// AddrClass names the kind of an address, for refusing special ones unless
// a CIDR allows them explicitly.
type AddrClass string

const (
	ClassInvalid     AddrClass = "invalid"
	ClassUnspecified AddrClass = "unspecified" // 0.0.0.0, ::
	ClassLoopback    AddrClass = "loopback"    // 127.0.0.0/8, ::1
	// ClassMetadata is a cloud instance metadata service (169.254.169.254,
	// fd00:ec2::254), which hands out credentials.
	ClassMetadata  AddrClass = "cloud-metadata"
	ClassLinkLocal AddrClass = "link-local" // 169.254.0.0/16, fe80::/10
	ClassMulticast AddrClass = "multicast"  // 224.0.0.0/4, ff00::/8
	// ClassPrivate is RFC 1918, RFC 6598 shared (100.64.0.0/10) and
	// unique local (fc00::/7) space.
	ClassPrivate AddrClass = "private"
	// ClassReserved is 0.0.0.0/8 (but 0.0.0.0) and 240.0.0.0/4 with the
	// broadcast address.
	ClassReserved AddrClass = "reserved"
	ClassPublic   AddrClass = "public"
)

var (
	metadataAddrs = []netip.Addr{
		netip.MustParseAddr("169.254.169.254"), // AWS, GCP, Azure IMDS, OpenStack, ...
		netip.MustParseAddr("fd00:ec2::254"),   // AWS over IPv6
		netip.MustParseAddr("168.63.129.16"),   // Azure WireServer
		netip.MustParseAddr("192.0.0.192"),     // Oracle Cloud Classic
	}
	// reservedPrefixes are special-purpose ranges (RFC 6890 and later)
	// that are not the public internet: IETF protocol assignments,
	// documentation, benchmarking (also the "fake IP" range of local
	// proxy tools), deprecated site-local, discard-only, SIIT, Teredo.
	reservedPrefixes = []netip.Prefix{
		netip.MustParsePrefix("192.0.0.0/24"),
		netip.MustParsePrefix("192.0.2.0/24"),
		netip.MustParsePrefix("198.18.0.0/15"),
		netip.MustParsePrefix("198.51.100.0/24"),
		netip.MustParsePrefix("203.0.113.0/24"),
		netip.MustParsePrefix("2001:db8::/32"),
		netip.MustParsePrefix("fec0::/10"),
		netip.MustParsePrefix("100::/64"),
		netip.MustParsePrefix("::ffff:0:0:0/96"),
		netip.MustParsePrefix("2001::/32"),
	}
	sharedSpace = netip.MustParsePrefix("100.64.0.0/10")
	thisNet     = netip.MustParsePrefix("0.0.0.0/8")
	classE      = netip.MustParsePrefix("240.0.0.0/4")
	nat64       = netip.MustParsePrefix("64:ff9b::/96")
	// Other IPv6 forms that embed an IPv4 address reach that address
	// through a relay or translator: classified by what they embed.
	sixToFour  = netip.MustParsePrefix("2002::/16") // RFC 3056: bytes 2-5
	ipv4Compat = netip.MustParsePrefix("::/96")     // deprecated, RFC 4291: bytes 12-15
	// Local-use NAT64 (RFC 8215) maps to whatever the local translator
	// chooses: never public.
	nat64Local = netip.MustParsePrefix("64:ff9b:1::/48")
)

// Classify names the kind of a. An IPv4-mapped IPv6 address is unmapped
// first, and an address in the NAT64 well-known prefix 64:ff9b::/96, in
// 6to4 (2002::/16) or IPv4-compatible (::/96) form is classified by the
// IPv4 address it embeds: each reaches that host. Local-use NAT64
// (64:ff9b:1::/48) is reserved.
func Classify(a netip.Addr) AddrClass {
	if !a.IsValid() {
		return ClassInvalid
	}
	a = a.Unmap().WithZone("")
	switch b := a.As16(); {
	case a.Is4():
	case nat64.Contains(a):
		a = netip.AddrFrom4([4]byte(b[12:]))
	case sixToFour.Contains(a):
		a = netip.AddrFrom4([4]byte(b[2:6]))
	case ipv4Compat.Contains(a) && !a.IsUnspecified() && !a.IsLoopback():
		a = netip.AddrFrom4([4]byte(b[12:]))
	case nat64Local.Contains(a):
		return ClassReserved
	}
	for _, m := range metadataAddrs {
		if a == m {
			return ClassMetadata
		}
	}
	switch {
	case a.IsUnspecified():
		return ClassUnspecified
	case a.IsLoopback():
		return ClassLoopback
	case a.IsLinkLocalUnicast():
		return ClassLinkLocal
	case a.IsMulticast():
		return ClassMulticast
	case a.IsPrivate() || sharedSpace.Contains(a):
		return ClassPrivate
	case thisNet.Contains(a) || classE.Contains(a):
		return ClassReserved
	}
	for _, p := range reservedPrefixes {
		if p.Contains(a) {
			return ClassReserved
		}
	}
	return ClassPublic
}
