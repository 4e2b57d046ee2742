//go:build !linux

package audit

import "io/fs"

func checkOwner(string, fs.FileInfo) error { return nil }
