package policy

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/net/idna"
)

// idnaProfile maps Unicode input to ASCII the way lookups do (lower-case,
// NFC) and refuses bad punycode ("xn--" labels that do not decode) and
// labels that break the IDNA rules.
var idnaProfile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.ValidateLabels(true),
	idna.VerifyDNSLength(false), // lengths are checked below, with better messages
	idna.StrictDomainName(false),
)

// normalizeHost lower-cases host, drops one trailing dot and converts it to
// ASCII (IDNA), checking every label.
func normalizeHost(host string) (string, error) {
	if host == "" {
		return "", errors.New("empty name")
	}
	h := strings.TrimSuffix(host, ".")
	if h == "" || strings.HasSuffix(h, ".") {
		return "", fmt.Errorf("%q has an empty label", host)
	}
	a, err := idnaProfile.ToASCII(h)
	if err != nil {
		return "", fmt.Errorf("%q is not a valid international domain name: %v", host, strings.TrimPrefix(err.Error(), "idna: "))
	}
	a = strings.ToLower(a)
	if len(a) > 253 {
		return "", fmt.Errorf("%q is longer than 253 characters", host)
	}
	for _, label := range strings.Split(a, ".") {
		switch {
		case label == "":
			return "", fmt.Errorf("%q has an empty label", host)
		case len(label) > 63:
			return "", fmt.Errorf("%q has a label longer than 63 characters", host)
		case label[0] == '-' || label[len(label)-1] == '-':
			return "", fmt.Errorf("%q has a label starting or ending with '-'", host)
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return "", fmt.Errorf("%q has a character %q not allowed in a domain name", host, c)
			}
		}
		if strings.HasPrefix(label, "xn--") {
			if _, err := idnaProfile.ToUnicode(label); err != nil {
				return "", fmt.Errorf("%q has bad punycode in %q", host, label)
			}
		}
	}
	return a, nil
}

// NormalizeDomain checks one network.domains entry and returns its
// canonical form: an exact name ("api.example.com") or a wildcard whose
// whole first label is "*" ("*.example.com"), optionally with ":PORT";
// lower-case, ASCII (IDNA), no trailing dot.
func NormalizeDomain(s string) (string, error) {
	host, port, err := splitDomain(s)
	if err != nil {
		return "", err
	}
	wild := strings.HasPrefix(host, "*.")
	name := strings.TrimPrefix(host, "*.")
	if strings.Contains(name, "*") {
		return "", fmt.Errorf("domain %q: a wildcard may only be the whole first label, as in *.example.com", s)
	}
	if _, err := netip.ParseAddr(strings.Trim(name, "[]")); err == nil {
		return "", fmt.Errorf("domain %q is an IP address: list addresses in network.cidrs", s)
	}
	n, err := normalizeHost(name)
	if err != nil {
		return "", fmt.Errorf("domain %v", err)
	}
	if wild && !strings.Contains(n, ".") {
		return "", fmt.Errorf("domain %q: a wildcard over a top-level domain allows too much; name at least two labels after *", s)
	}
	if wild {
		n = "*." + n
	}
	if port > 0 {
		n += ":" + strconv.Itoa(port)
	}
	return n, nil
}

// splitDomain splits "host[:port]".
func splitDomain(s string) (string, int, error) {
	if s == "" {
		return "", 0, errors.New("empty domain")
	}
	if strings.ContainsAny(s, " \t/@[]") {
		return "", 0, fmt.Errorf("domain %q: want a name such as api.example.com or *.example.com:443, not a URL", s)
	}
	host, ps, ok := strings.Cut(s, ":")
	if !ok {
		return s, 0, nil
	}
	p, err := strconv.Atoi(ps)
	if err != nil || p < 1 || p > 65535 || strings.TrimLeft(ps, "0123456789") != "" {
		return "", 0, fmt.Errorf("domain %q: port %q is not a number from 1 to 65535", s, ps)
	}
	return host, p, nil
}

// DomainMatcher decides whether a host name and port may be reached.
// Deny by default: an empty list allows nothing, an IP literal matches no
// domain, and a name that is not a valid domain matches nothing.
type DomainMatcher struct {
	exact map[string]*PortSet // name -> ports; nil set means the global ports
	wild  map[string]*PortSet // suffix (without "*.") -> ports
	ports PortSet             // global ports for entries without their own
}

// NewDomainMatcher builds a matcher from network.domains and network.ports.
// An entry with ":PORT" allows only that port (entries for the same name
// add up); one without allows the global ports.
func NewDomainMatcher(domains []string, ports []int) (*DomainMatcher, error) {
	global, err := NewPortSet(ports)
	if err != nil {
		return nil, err
	}
	m := &DomainMatcher{exact: map[string]*PortSet{}, wild: map[string]*PortSet{}, ports: global}
	for _, d := range domains {
		n, err := NormalizeDomain(d)
		if err != nil {
			return nil, err
		}
		host, port, _ := splitDomain(n)
		tab := m.exact
		if s, ok := strings.CutPrefix(host, "*."); ok {
			host, tab = s, m.wild
		}
		ps := tab[host]
		if ps == nil {
			ps = &PortSet{}
			tab[host] = ps
		}
		if port == 0 {
			ps.useGlobal = true
		} else {
			ps.add(port)
		}
	}
	return m, nil
}

// NormalizeHost returns the form a host name is matched in: lower-case
// ASCII (IDNA), no trailing dot, every label checked. IP literals and
// wildcards are refused.
func NormalizeHost(host string) (string, error) {
	if strings.ContainsAny(host, "*:") {
		return "", fmt.Errorf("%q is not a host name", host)
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return "", fmt.Errorf("%q is an IP address, not a name", host)
	}
	return normalizeHost(host)
}

// Allow reports whether host:port may be reached. host may be Unicode,
// mixed case or end in a dot.
func (m *DomainMatcher) Allow(host string, port int) bool {
	if port < 1 || port > 65535 {
		return false
	}
	return m.match(host, port)
}

// AllowName reports whether some entry names host, whatever its ports: a
// caller refusing host:port can then say whether the name or the port was
// not allowed.
func (m *DomainMatcher) AllowName(host string) bool { return m.match(host, 0) }

// match finds an entry for host allowing port, or any entry when port is 0.
func (m *DomainMatcher) match(host string, port int) bool {
	h, err := NormalizeHost(host)
	if err != nil {
		return false
	}
	ok := func(ps *PortSet) bool { return port == 0 || m.portOK(ps, port) }
	if ps, found := m.exact[h]; found && ok(ps) {
		return true
	}
	for rest := h; ; {
		_, after, found := strings.Cut(rest, ".")
		if !found {
			return false
		}
		if ps, found := m.wild[after]; found && ok(ps) {
			return true
		}
		rest = after
	}
}

func (m *DomainMatcher) portOK(ps *PortSet, port int) bool {
	return ps.Contains(port) || ps.useGlobal && m.ports.Contains(port)
}

// PortSet is a set of TCP ports; the zero value holds none.
type PortSet struct {
	set       map[int]bool
	useGlobal bool // for DomainMatcher: also allow the global ports
}

// NewPortSet builds a set, refusing ports outside 1..65535.
func NewPortSet(ports []int) (PortSet, error) {
	var s PortSet
	for _, p := range ports {
		if p < 1 || p > 65535 {
			return PortSet{}, fmt.Errorf("port %d out of range 1..65535", p)
		}
		s.add(p)
	}
	return s, nil
}

func (s *PortSet) add(p int) {
	if s.set == nil {
		s.set = map[int]bool{}
	}
	s.set[p] = true
}

// Contains reports whether p is in the set.
func (s PortSet) Contains(p int) bool { return s.set[p] }

// Len is the number of ports.
func (s PortSet) Len() int { return len(s.set) }
