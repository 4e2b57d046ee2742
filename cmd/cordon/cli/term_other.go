//go:build !linux

package cli

import "io"

// isTerminal reports whether w is a terminal; Cordon runs scripts on Linux
// only, so elsewhere nothing is treated as one.
func isTerminal(io.Writer) bool { return false }
