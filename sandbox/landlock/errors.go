package landlock

import (
	"errors"
	"fmt"
)

// ErrUnavailable: the policy requires more Landlock than the kernel offers.
var ErrUnavailable = errors.New("landlock unavailable")

// UnavailableError says what was required and what the kernel has.
type UnavailableError struct {
	Have, Want int // Landlock ABI versions; Have 0 means no Landlock
	Reason     string
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("landlock ABI %d required, kernel has %d: %s", e.Want, e.Have, e.Reason)
}

func (e *UnavailableError) Unwrap() error { return ErrUnavailable }
