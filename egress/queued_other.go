//go:build !linux

package egress

import (
	"errors"
	"syscall"
)

const canQueue = false

func queued(syscall.RawConn) (int, error) { return 0, errors.ErrUnsupported }
