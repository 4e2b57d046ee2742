package interp

import (
	"os"
	"syscall"
)

// privateFile reports whether fi belongs to the effective user and is
// writable by nobody else.
func privateFile(fi os.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Geteuid() && fi.Mode().Perm()&0o022 == 0
}

// ownedPrivately is privateFile for a path (symlinks not followed).
func ownedPrivately(path string) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.IsDir() && privateFile(fi)
}
