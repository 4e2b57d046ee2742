package policy

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// profiles are the built-in policies a file may extend as builtin:NAME.
var profiles = map[string]func() *Policy{
	// default is [Default]: no network, only the work dir writable.
	"default": Default,
	// strict is the default with smaller limits, analysis blocking medium
	// findings, every audit record synced, and no layer allowed to degrade.
	"strict": func() *Policy {
		p := Default()
		p.Limits = Limits{
			WallTime:  Duration(10 * time.Second),
			CPUTime:   Duration(5 * time.Second),
			Memory:    128 << 20,
			Processes: 16,
			FileSize:  16 << 20,
			OpenFiles: 64,
			Output:    256 << 10,
			Tmp:       16 << 20,
		}
		p.Analysis.Block = SeverityMedium
		p.Audit.Fsync = FsyncRecord
		return p
	},
	// network-allowlist is the default with egress through the allow-list
	// proxy on port 443 only; the file extending it lists the domains (or
	// CIDRs) it needs. Used on its own it allows no destination.
	"network-allowlist": func() *Policy {
		p := Default()
		p.Network.Mode = NetworkAllowlist
		p.Network.Ports = []int{443}
		return p
	},
}

// Profile returns a fresh copy of the built-in profile name (without the
// "builtin:" prefix).
func Profile(name string) (*Policy, error) {
	f, ok := profiles[name]
	if !ok {
		msg := fmt.Sprintf("unknown built-in profile %q (built-ins: %s)", "builtin:"+name, strings.Join(ProfileNames(), ", "))
		if s := suggest(name, profileKeys()); s != "" {
			msg = fmt.Sprintf("unknown built-in profile %q (did you mean %q?)", "builtin:"+name, "builtin:"+s)
		}
		return nil, fmt.Errorf("%s", msg)
	}
	p := f()
	p.Source = "builtin:" + name
	return p, nil
}

func profileKeys() []string {
	ks := make([]string, 0, len(profiles))
	for k := range profiles {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// ProfileNames lists the built-in profiles as written in extends.
func ProfileNames() []string {
	ks := profileKeys()
	for i, k := range ks {
		ks[i] = "builtin:" + k
	}
	return ks
}
