package sandbox

import "runtime"

// protocol names the version of the control protocol between the
// supervisor and the init (proto.go, warm_linux.go) and of the Spec: bump
// it with any change to either. A variable only so that a test can build
// an init binary of "another build" (-ldflags -X).
var protocol = "cordon-sandbox/2"

// BuildID identifies what an init binary (Spec.Init) must share with its
// supervisor: the control protocol's version and the Go version. Build
// cordon-init from the same tree as the binary using it; a mismatch is
// refused when the init reports ready.
func BuildID() string { return protocol + " " + runtime.Version() }
