//go:build !linux

package interp

import "os"

// statID returns what identity is portable: size and modification time.
func statID(p string) (fileID, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return fileID{}, err
	}
	return fileID{Size: fi.Size(), Mtime: fi.ModTime().UnixNano()}, nil
}
