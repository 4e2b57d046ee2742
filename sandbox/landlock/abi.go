package landlock

import (
	"strings"
)

// Access rights, as in <linux/landlock.h>.
const (
	fsExecute     = 1 << 0
	fsWriteFile   = 1 << 1
	fsReadFile    = 1 << 2
	fsReadDir     = 1 << 3
	fsRemoveDir   = 1 << 4
	fsRemoveFile  = 1 << 5
	fsMakeChar    = 1 << 6
	fsMakeDir     = 1 << 7
	fsMakeReg     = 1 << 8
	fsMakeSock    = 1 << 9
	fsMakeFifo    = 1 << 10
	fsMakeBlock   = 1 << 11
	fsMakeSym     = 1 << 12
	fsRefer       = 1 << 13 // ABI 2
	fsTruncate    = 1 << 14 // ABI 3
	fsIoctlDev    = 1 << 15 // ABI 5
	fsResolveUnix = 1 << 16 // ABI 9

	netBindTCP        = 1 << 0 // ABI 4
	netConnectTCP     = 1 << 1 // ABI 4
	netBindUDP        = 1 << 2 // ABI 10
	netConnectSendUDP = 1 << 3 // ABI 10

	scopeAbstractUnix = 1 << 0 // ABI 6
	scopeSignal       = 1 << 1 // ABI 6

	restrictTSync = 1 << 3 // ABI 8: LANDLOCK_RESTRICT_SELF_TSYNC
)

// Filesystem access rights for Rule.Access (LANDLOCK_ACCESS_FS_*). A right
// the kernel's ABI does not handle is dropped from a rule (it is not
// restricted either).
const (
	FSExecute     uint64 = fsExecute
	FSWriteFile   uint64 = fsWriteFile
	FSReadFile    uint64 = fsReadFile
	FSReadDir     uint64 = fsReadDir
	FSRemoveDir   uint64 = fsRemoveDir
	FSRemoveFile  uint64 = fsRemoveFile
	FSMakeChar    uint64 = fsMakeChar
	FSMakeDir     uint64 = fsMakeDir
	FSMakeReg     uint64 = fsMakeReg
	FSMakeSock    uint64 = fsMakeSock
	FSMakeFifo    uint64 = fsMakeFifo
	FSMakeBlock   uint64 = fsMakeBlock
	FSMakeSym     uint64 = fsMakeSym
	FSRefer       uint64 = fsRefer
	FSTruncate    uint64 = fsTruncate
	FSIoctlDev    uint64 = fsIoctlDev
	FSResolveUnix uint64 = fsResolveUnix
)

// fileRights are the rights that apply to a non-directory; the kernel
// refuses the others on a file.
const fileRights = fsExecute | fsWriteFile | fsReadFile | fsTruncate | fsIoctlDev

// maxKnownABI is the newest ABI whose rights this package knows; a newer
// kernel is used at this level and reported as such.
const maxKnownABI = 10

// Feature thresholds.
const (
	abiNet   = 4
	abiScope = 6
	abiTSync = 8
)

// handled returns the rights a ruleset handles at ABI v.
func handled(v int) (fs, net, scoped uint64) {
	switch {
	case v >= 9:
		fs = 1<<17 - 1
	case v >= 5:
		fs = 1<<16 - 1
	case v >= 3:
		fs = 1<<15 - 1
	case v >= 2:
		fs = 1<<14 - 1
	case v >= 1:
		fs = 1<<13 - 1
	}
	switch {
	case v >= 10:
		net = 1<<4 - 1
	case v >= abiNet:
		net = 1<<2 - 1
	}
	if v >= abiScope {
		scoped = 1<<2 - 1
	}
	return fs, net, scoped
}

var fsNames = []string{"execute", "write_file", "read_file", "read_dir", "remove_dir", "remove_file",
	"make_char", "make_dir", "make_reg", "make_sock", "make_fifo", "make_block", "make_sym", "refer",
	"truncate", "ioctl_dev", "resolve_unix"}
var netNames = []string{"bind_tcp", "connect_tcp", "bind_udp", "connect_send_udp"}
var scopeNames = []string{"abstract_unix_socket", "signal"}

func names(set uint64, names []string) string {
	var out []string
	for i, n := range names {
		if set&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return strings.Join(out, ",")
}
