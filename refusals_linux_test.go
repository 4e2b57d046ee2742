//go:build linux

package cordon

import (
	"slices"
	"testing"

	"github.com/cordonsec/cordon/policy"
	"github.com/cordonsec/cordon/sandbox/seccomp"
)

// TestRefusalClassesAgree: the classes the seccomp layer reports are
// exactly the keys of the policy's isolation.refusals, so every refusal
// has an action a policy can name.
func TestRefusalClassesAgree(t *testing.T) {
	if got, want := policy.RefusalClasses(), seccomp.Classes; !slices.Equal(got, want) {
		t.Errorf("policy isolation.refusals keys %v, seccomp classes %v", got, want)
	}
	def := policy.DefaultRefusals()
	for _, c := range []string{"process", "mount", "namespace", "kernel", "keyring", "file_handle", "sandbox", "terminal", "abi"} {
		if a := def.Action(c); a != policy.RefusalViolation {
			t.Errorf("default action of hostile class %s is %s, want violation", c, a)
		}
	}
	for _, c := range []string{"clock", "hostname", "chroot", "socket"} {
		if a := def.Action(c); a != policy.RefusalRecord {
			t.Errorf("default action of probe class %s is %s, want record", c, a)
		}
	}
}
