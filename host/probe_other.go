//go:build !linux

package host

import (
	"context"
	"errors"
	"fmt"
)

func probeKernel(ctx context.Context) (*Report, error) {
	return &Report{}, fmt.Errorf("probing the host: %w", errors.ErrUnsupported)
}
