//go:build !linux

package interp

import "os"

// privateFile reports whether fi is writable by nobody but its owner.
func privateFile(fi os.FileInfo) bool { return fi.Mode().Perm()&0o022 == 0 }

func ownedPrivately(path string) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.IsDir() && privateFile(fi)
}
