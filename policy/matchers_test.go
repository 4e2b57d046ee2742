package policy

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

func TestPathMatcher(t *testing.T) {
	root := t.TempDir()
	mk := func(p string) string {
		p = filepath.Join(root, p)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	allowed, data, database, secret := mk("allowed"), mk("data"), mk("database"), mk("allowed/secret")
	out := mk("data/out")
	etc := mk("etc")
	os.Symlink(etc, filepath.Join(allowed, "escape"))      // absolute link out
	os.Symlink("../../etc", filepath.Join(allowed, "rel")) // relative link out
	os.Symlink("secret", filepath.Join(allowed, "in"))     // link within, into a denied dir
	os.Symlink("loop", filepath.Join(allowed, "loop"))     // ELOOP
	os.Symlink(filepath.Join(data, "out"), filepath.Join(allowed, "toout"))
	m, err := NewPathMatcher(Filesystem{
		ReadOnly:  []string{allowed, data},
		ReadWrite: []string{out},
		Deny:      []string{secret},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		want Access
	}{
		{allowed, ReadOnly},
		{allowed + "/", ReadOnly},
		{allowed + "//x/./y", ReadOnly},
		{allowed + "/new-file", ReadOnly},
		{allowed + "/../etc", Denied},
		{allowed + "/../etc/passwd", Denied},
		{allowed + "/escape", Denied},
		{allowed + "/escape/passwd", Denied},
		{allowed + "/rel/passwd", Denied},
		{allowed + "/in/x", Denied},
		{allowed + "/secret", Denied},
		{allowed + "/secret/", Denied},
		{allowed + "/loop", Denied},
		{allowed + "/toout/f", ReadWrite},
		{data, ReadOnly},
		{database, Denied},
		{database + "/x", Denied},
		{data + "base", Denied},
		{out, ReadWrite},
		{out + "/../x", ReadOnly},
		{etc, Denied},
		{"/", Denied},
		{"relative/path", Denied},
		{"", Denied},
	} {
		if got := m.Decide(tc.path); got != tc.want {
			t.Errorf("Decide(%q) = %v, want %v", tc.path, got, tc.want)
		}
	}
	empty, _ := NewPathMatcher(Filesystem{})
	if empty.Decide(allowed) != Denied {
		t.Error("empty matcher allows")
	}
	if _, err := NewPathMatcher(Filesystem{ReadOnly: []string{"rel"}}); err == nil {
		t.Error("relative path accepted")
	}
	// A deny on an ancestor wins over a more specific allow.
	m2, _ := NewPathMatcher(Filesystem{ReadWrite: []string{out}, Deny: []string{data}})
	if m2.Decide(out+"/f") != Denied {
		t.Error("deny on ancestor lost")
	}
}

func TestDomainMatcher(t *testing.T) {
	m, err := NewDomainMatcher([]string{
		"api.example.com", "*.example.org", "bücher.example", "pay.example.net:8443", "Mixed.Example.COM.",
		"both.example:8443", "both.example",
	}, []int{443})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		host string
		port int
		want bool
	}{
		{"api.example.com", 443, true},
		{"API.EXAMPLE.COM", 443, true},
		{"api.example.com.", 443, true},
		{"api.example.com", 80, false},
		{"x.api.example.com", 443, false},
		{"example.com", 443, false},
		{"a.example.org", 443, true},
		{"a.b.example.org", 443, true},
		{"example.org", 443, false},
		{"badexample.org", 443, false},
		{"a.example.org.evil.com", 443, false},
		{"bücher.example", 443, true},
		{"BÜCHER.example", 443, true},
		{"xn--bcher-kva.example", 443, true},
		{"pay.example.net", 8443, true},
		{"pay.example.net", 443, false},
		{"mixed.example.com", 443, true},
		{"both.example", 8443, true},
		{"both.example", 443, true},
		{"both.example", 80, false},
		{"93.184.216.34", 443, false},
		{"::1", 443, false},
		{"", 443, false},
		{"*.example.org", 443, false},
		{"api.example.com", 0, false},
		{"api.example.com", 70000, false},
		{"xn--zz.example.org", 443, false},
	} {
		if got := m.Allow(tc.host, tc.port); got != tc.want {
			t.Errorf("Allow(%q, %d) = %v, want %v", tc.host, tc.port, got, tc.want)
		}
	}
	empty, _ := NewDomainMatcher(nil, []int{443})
	if empty.Allow("example.com", 443) {
		t.Error("empty list allows")
	}
	noPorts, _ := NewDomainMatcher([]string{"example.com"}, nil)
	if noPorts.Allow("example.com", 443) {
		t.Error("no ports allows")
	}
	for _, bad := range []string{"*.com", "a.*.com", "*", "a..com", "xn--zz.com", "http://a.com", "a.com:", "a.com:65536"} {
		if _, err := NewDomainMatcher([]string{bad}, nil); err == nil {
			t.Errorf("NewDomainMatcher(%q) accepted", bad)
		}
	}
}

func TestNormalizeDomain(t *testing.T) {
	for in, want := range map[string]string{
		"Example.COM.":          "example.com",
		"*.Example.com:443":     "*.example.com:443",
		"bücher.example":        "xn--bcher-kva.example",
		"xn--bcher-kva.example": "xn--bcher-kva.example",
		"localhost":             "localhost",
	} {
		got, err := NormalizeDomain(in)
		if err != nil || got != want {
			t.Errorf("NormalizeDomain(%q) = %q, %v; want %q", in, got, err, want)
		}
		again, err := NormalizeDomain(got)
		if err != nil || again != got {
			t.Errorf("not idempotent: %q -> %q", got, again)
		}
	}
}

func TestPortSet(t *testing.T) {
	s, err := NewPortSet([]int{1, 443, 65535})
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[int]bool{0: false, 1: true, 443: true, 444: false, 65535: true, 65536: false, -1: false} {
		if s.Contains(p) != want {
			t.Errorf("Contains(%d) != %v", p, want)
		}
	}
	for _, bad := range [][]int{{0}, {65536}, {-443}} {
		if _, err := NewPortSet(bad); err == nil {
			t.Errorf("NewPortSet(%v) accepted", bad)
		}
	}
	var zero PortSet
	if zero.Contains(443) {
		t.Error("zero set holds a port")
	}
}

func TestAddrMatcher(t *testing.T) {
	m, err := NewAddrMatcher([]string{"10.1.0.0/16", "192.0.2.7", "2001:db8::/32", "::ffff:198.51.100.0/120"})
	if err != nil {
		t.Fatal(err)
	}
	for a, want := range map[string]bool{
		"10.1.0.0":         true,
		"10.1.255.255":     true,
		"10.0.255.255":     false,
		"10.2.0.0":         false,
		"::ffff:10.1.2.3":  true,
		"192.0.2.7":        true,
		"192.0.2.8":        false,
		"::ffff:192.0.2.7": true,
		"2001:db8::1":      true,
		"2001:db9::":       false,
		"198.51.100.255":   true,
		"198.51.101.0":     false,
		"fe80::1%eth0":     false,
		"2001:db8::1%eth0": true,
	} {
		if got := m.Contains(netip.MustParseAddr(a)); got != want {
			t.Errorf("Contains(%s) = %v, want %v", a, got, want)
		}
	}
	empty, _ := NewAddrMatcher(nil)
	if empty.Contains(netip.MustParseAddr("10.0.0.1")) || empty.Contains(netip.Addr{}) {
		t.Error("empty matcher holds an address")
	}
	for _, bad := range []string{"10.0.0.1/8", "10.0.0.0/33", "x", "::ffff:0.0.0.0/8", "fe80::1%eth0"} {
		if _, err := NewAddrMatcher([]string{bad}); err == nil {
			t.Errorf("NewAddrMatcher(%q) accepted", bad)
		}
	}
}

func TestClassify(t *testing.T) {
	for a, want := range map[string]AddrClass{
		"0.0.0.0":                ClassUnspecified,
		"::":                     ClassUnspecified,
		"127.0.0.1":              ClassLoopback,
		"127.255.255.255":        ClassLoopback,
		"::1":                    ClassLoopback,
		"::ffff:127.0.0.1":       ClassLoopback,
		"169.254.169.254":        ClassMetadata,
		"::ffff:169.254.169.254": ClassMetadata,
		"64:ff9b::a9fe:a9fe":     ClassMetadata,
		"fd00:ec2::254":          ClassMetadata,
		"169.254.0.1":            ClassLinkLocal,
		"fe80::1":                ClassLinkLocal,
		"fe80::1%eth0":           ClassLinkLocal,
		"224.0.0.1":              ClassMulticast,
		"ff02::1":                ClassMulticast,
		"10.0.0.0":               ClassPrivate,
		"10.255.255.255":         ClassPrivate,
		"11.0.0.0":               ClassPublic,
		"172.16.0.0":             ClassPrivate,
		"172.31.255.255":         ClassPrivate,
		"172.32.0.0":             ClassPublic,
		"172.15.255.255":         ClassPublic,
		"192.168.1.1":            ClassPrivate,
		"100.64.0.1":             ClassPrivate,
		"100.128.0.0":            ClassPublic,
		"fc00::1":                ClassPrivate,
		"fd12::1":                ClassPrivate,
		"::ffff:10.0.0.1":        ClassPrivate,
		"64:ff9b::a00:1":         ClassPrivate,
		"2002:a00:1::1":          ClassPrivate,  // 6to4 of 10.0.0.1
		"2002:7f00:1::":          ClassLoopback, // 6to4 of 127.0.0.1
		"2002:a9fe:a9fe::1":      ClassMetadata, // 6to4 of 169.254.169.254
		"2002:808:808::1":        ClassPublic,   // 6to4 of 8.8.8.8
		"::a00:1":                ClassPrivate,  // IPv4-compatible 10.0.0.1
		"::7f00:1":               ClassLoopback,
		"64:ff9b:1::a00:1":       ClassReserved, // local-use NAT64
		"0.1.2.3":                ClassReserved,
		"255.255.255.255":        ClassReserved,
		"8.8.8.8":                ClassPublic,
		"168.63.129.16":          ClassMetadata, // Azure WireServer
		"192.0.0.192":            ClassMetadata, // Oracle Cloud Classic
		"192.0.0.8":              ClassReserved,
		"192.0.2.1":              ClassReserved, // documentation
		"198.51.100.1":           ClassReserved,
		"203.0.113.7":            ClassReserved,
		"198.18.0.1":             ClassReserved, // benchmarking, fake-IP proxies
		"198.19.255.255":         ClassReserved,
		"198.20.0.1":             ClassPublic,
		"2001:db8::1":            ClassReserved,
		"fec0::1":                ClassReserved, // site-local
		"100::1":                 ClassReserved, // discard-only
		"::ffff:0:a00:1":         ClassReserved, // SIIT
		"2001:0:4136:e378::1":    ClassReserved, // Teredo
		"2606:4700::1111":        ClassPublic,
	} {
		if got := Classify(netip.MustParseAddr(a)); got != want {
			t.Errorf("Classify(%s) = %s, want %s", a, got, want)
		}
	}
	if Classify(netip.Addr{}) != ClassInvalid {
		t.Error("zero Addr not invalid")
	}
}
