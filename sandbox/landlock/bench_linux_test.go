//go:build linux

package landlock

import "testing"

// BenchmarkPrepare measures building a typical ruleset (the enforcement
// itself is one landlock_restrict_self on the exec'ing thread).
//
//	go test -run '^$' -bench Prepare ./sandbox/landlock
func BenchmarkPrepare(b *testing.B) {
	if ABI() == 0 {
		b.Skip("no Landlock")
	}
	p := Policy{
		ReadOnly:  []string{"/usr", "/etc/ssl", "/etc/ld.so.cache"},
		ReadWrite: []string{b.TempDir(), "/dev/null", "/dev/zero", "/dev/urandom"},
		Net:       &Net{},
		Scope:     true,
	}
	for b.Loop() {
		rs, err := Prepare(p)
		if err != nil {
			b.Fatal(err)
		}
		rs.Close()
	}
}
