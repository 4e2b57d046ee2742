// Package escape is Cordon's break-out test suite: it builds the cordon
// binary once per test run and attacks `cordon run` from inside the sandbox
// (reading, writing, seeing, signalling, reaching and exhausting what the
// policy did not give), as root and as a throwaway unprivileged user, then
// checks from the host that the attack failed and that nothing was left
// behind. The package has no non-test code; start with attacks_test.go.
//
// Every attack aims at canary files, marker processes, loopback listeners
// and directories the test owns, so that an escape is caught but harmless.
package escape
