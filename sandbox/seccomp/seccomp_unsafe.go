//go:build linux

package seccomp

// The raw seccomp(2) and notification ioctls. The structures are declared
// here because golang.org/x/sys/unix does not define them; their sizes are
// checked against the kernel's (SECCOMP_GET_NOTIF_SIZES) before use.

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// seccompData is struct seccomp_data.
type seccompData struct {
	Nr                 int32
	Arch               uint32
	InstructionPointer uint64
	Args               [6]uint64
}

// notif is struct seccomp_notif.
type notif struct {
	ID    uint64
	Pid   uint32
	Flags uint32
	Data  seccompData
}

// notifResp is struct seccomp_notif_resp.
type notifResp struct {
	ID    uint64
	Val   int64
	Error int32
	Flags uint32
}

// notifSizes is struct seccomp_notif_sizes.
type notifSizes struct {
	Notif     uint16
	NotifResp uint16
	Data      uint16
}

var sizes struct {
	once sync.Once
	s    notifSizes
	err  error
}

// kernelSizes asks the kernel how large its notification structures are: a
// newer kernel may write more than this package's structs hold, so buffers
// are the larger of both.
func kernelSizes() (notifSizes, error) {
	sizes.once.Do(func() {
		_, _, e := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_GET_NOTIF_SIZES, 0, uintptr(unsafe.Pointer(&sizes.s)))
		if e != 0 {
			sizes.err = fmt.Errorf("seccomp: SECCOMP_GET_NOTIF_SIZES: %w", e)
		}
	})
	return sizes.s, sizes.err
}

// Apply installs the filter on every thread of the calling process (TSYNC)
// after setting no_new_privs, and returns the listener fd (close-on-exec)
// when the filter reports, else -1. Install Landlock before: the filter
// refuses landlock_* afterwards.
func (f *Filter) Apply() (listener int, err error) {
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return -1, fmt.Errorf("seccomp: no_new_privs: %w", err)
	}
	r, _, e := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, f.Flags, uintptr(unsafe.Pointer(&f.Program)))
	runtime.KeepAlive(f)
	if e != 0 {
		if e == unix.ESRCH {
			return -1, fmt.Errorf("seccomp: a thread could not be synchronised: %w", e)
		}
		return -1, fmt.Errorf("seccomp: installing the filter: %w", e)
	}
	if f.report {
		return int(r), nil
	}
	if r != 0 {
		return -1, fmt.Errorf("seccomp: thread %d could not be synchronised", r)
	}
	return -1, nil
}

// recv waits for one notification. buf is zeroed first: the kernel refuses
// a dirty buffer.
func recv(fd int, buf []byte) (*notif, error) {
	clear(buf)
	_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(unix.SECCOMP_IOCTL_NOTIF_RECV), uintptr(unsafe.Pointer(&buf[0])))
	if e != 0 {
		return nil, e
	}
	n := *(*notif)(unsafe.Pointer(&buf[0]))
	return &n, nil
}

// send answers notification id with -errno. The kernel reads its own
// response size, so buf is at least that large and zero beyond our fields.
func send(fd int, buf []byte, id uint64, errno unix.Errno) error {
	clear(buf)
	*(*notifResp)(unsafe.Pointer(&buf[0])) = notifResp{ID: id, Error: -int32(errno)}
	_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(unix.SECCOMP_IOCTL_NOTIF_SEND), uintptr(unsafe.Pointer(&buf[0])))
	if e != 0 {
		return e
	}
	return nil
}

// buffers returns zeroable receive and response buffers sized for both this
// package and the running kernel, 8-byte aligned.
func buffers() (rbuf, sbuf []byte, err error) {
	ks, err := kernelSizes()
	if err != nil {
		return nil, nil, err
	}
	if int(ks.Data) < int(unsafe.Sizeof(seccompData{})) {
		return nil, nil, errors.New("seccomp: kernel's seccomp_data is smaller than expected")
	}
	rn := max(int(ks.Notif), int(unsafe.Sizeof(notif{})))
	sn := max(int(ks.NotifResp), int(unsafe.Sizeof(notifResp{})))
	r := make([]uint64, (rn+7)/8)
	s := make([]uint64, (sn+7)/8)
	return unsafe.Slice((*byte)(unsafe.Pointer(&r[0])), rn), unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), sn), nil
}
