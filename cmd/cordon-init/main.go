// Command cordon-init is the sandbox's stage-2 init as a binary of its
// own: it imports package sandbox and nothing else, so a sandbox started
// with it (sandbox.Spec.Init; cordon uses a cordon-init beside its own
// binary) skips the package inits and page faults of the full cordon
// binary (cgo, tree-sitter, YAML, HTTP, metrics). Its work happens in
// package sandbox's init, recognised by argv[0]; run any other way it
// only says what it is.
//
//	go build -o /usr/local/bin/ ./cmd/cordon ./cmd/cordon-init
package main

import (
	"os"

	_ "github.com/cordonsec/cordon/sandbox"
)

func main() {
	os.Stderr.WriteString("cordon-init: the sandbox's init, started by cordon; not a command\n")
	os.Exit(2)
}
