package cordon

import (
	"os"
	"path/filepath"
	"syscall"
)

// DefaultInitBinary is the cordon-init beside the running executable
// (Options.InitBinary), or "" when there is none or it is not to be
// trusted: a regular file every user may execute (as root, the sandbox's
// init is started by a leased unprivileged uid), not writable by group or
// others, owned by root, by the running user or by the executable's owner,
// in a folder the same holds for (or a sticky one: a file another user
// planted there has that user as owner). A cordon-init anyone else could
// have placed or changed would run as the caller and build its sandbox:
// it is ignored and the init is a re-execution of the binary itself.
func DefaultInitBinary() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	return initBinaryBeside(exe)
}

// initBinaryBeside is DefaultInitBinary for the executable exe.
func initBinaryBeside(exe string) string {
	xst, err := os.Stat(exe)
	if err != nil {
		return ""
	}
	trusted := func(fi os.FileInfo) bool {
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return false
		}
		owner := st.Uid
		return owner == 0 || owner == uint32(os.Geteuid()) || owner == xst.Sys().(*syscall.Stat_t).Uid
	}
	dir := filepath.Dir(exe)
	dst, err := os.Stat(dir)
	if err != nil || (dst.Mode().Perm()&0o022 != 0 && dst.Mode()&os.ModeSticky == 0) || !trusted(dst) {
		return ""
	}
	p := filepath.Join(dir, "cordon-init")
	st, err := os.Stat(p)
	if err != nil || !st.Mode().IsRegular() || st.Mode().Perm()&0o111 != 0o111 || st.Mode().Perm()&0o022 != 0 || !trusted(st) {
		return ""
	}
	return p
}
