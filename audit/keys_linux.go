package audit

import (
	"io/fs"
	"os"
	"syscall"
)

// checkOwner refuses a key file owned by another user than the caller:
// whoever owns it can swap the key.
func checkOwner(file string, st fs.FileInfo) error {
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Geteuid() {
		return &KeyPermissionError{File: file, Mode: st.Mode(), Msg: "owned by another user"}
	}
	return nil
}
