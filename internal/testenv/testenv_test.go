package testenv

import "testing"

func TestInCI(t *testing.T) {
	for v, want := range map[string]bool{"": false, "0": false, "false": false, "true": true, "1": true, "yes": true} {
		t.Setenv("CI", v)
		if got := InCI(); got != want {
			t.Errorf("CI=%q: InCI %v, want %v", v, got, want)
		}
	}
}

func TestEnsureUser(t *testing.T) {
	u := NeedUser(t, "cordon-test-sbx")
	if u.UID == 0 || u.GID == 0 || u.Name != "cordon-test-sbx" {
		t.Errorf("throwaway user %+v", u)
	}
	again, err := EnsureUser(u.Name)
	if err != nil || again != u {
		t.Errorf("second EnsureUser: %+v, %v (want %+v)", again, err, u)
	}
}
