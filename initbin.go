package cordon

import (
	"os"
	"path/filepath"
)

// DefaultInitBinary is the cordon-init beside the running executable
// (Options.InitBinary), or "" when there is none: a regular file every
// user may execute (as root, the sandbox's init is started by a leased
// unprivileged uid), not writable by group or others.
func DefaultInitBinary() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	p := filepath.Join(filepath.Dir(exe), "cordon-init")
	st, err := os.Stat(p)
	if err != nil || !st.Mode().IsRegular() || st.Mode().Perm()&0o111 != 0o111 || st.Mode().Perm()&0o022 != 0 {
		return ""
	}
	return p
}
