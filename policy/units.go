package policy

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// sizeUnits are the units ParseSize accepts, longest first so "KiB" is
// tried before "B".
var sizeUnits = []struct {
	name string
	mult int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
	{"B", 1},
}

// errBadSize and errBadDuration are wrapped by ParseSize and ParseDuration.
var (
	errBadSize     = errors.New("bad size")
	errBadDuration = errors.New("bad duration")
)

// ParseSize parses a byte count: a non-negative integer, optionally followed
// by one unit: B, KiB, MiB, GiB, TiB (powers of 1024) or KB, MB, GB, TB
// (powers of 1000). "256MiB", "10MB", "512", "512B".
func ParseSize(s string) (Size, error) {
	bad := func() (Size, error) {
		return 0, fmt.Errorf("%w %q (want a number with a unit such as 256MiB; units: B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)", errBadSize, s)
	}
	num, mult := s, int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(s, u.name) {
			num, mult = strings.TrimSuffix(s, u.name), u.mult
			break
		}
	}
	if num == "" || strings.TrimLeft(num, "0123456789") != "" {
		return bad()
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("%w %q (too large)", errBadSize, s)
	}
	return Size(n * mult), nil
}

// ParseDuration parses a non-negative duration in Go's units ("10s",
// "1m30s", "250ms", "2h"). A bare number is refused: it has no unit.
func ParseDuration(s string) (Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || strings.TrimLeft(s, "0123456789.") == "" {
		return 0, fmt.Errorf("%w %q (want a number with a Go unit such as 10s, 1m30s or 250ms; units: ns, us, ms, s, m, h)", errBadDuration, s)
	}
	if d < 0 {
		return 0, fmt.Errorf("%w %q (must not be negative)", errBadDuration, s)
	}
	return Duration(d), nil
}
