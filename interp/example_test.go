package interp_test

import (
	"fmt"
	"log"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cordonsec/cordon/interp"
)

// A sandbox binds rt.ReadOnlyPaths read-only at the same place in its new
// root, recreates rt.Symlinks, and executes rt.Exec. A pyenv shim or a
// symlink such as /usr/bin/python3 resolves to the real ELF binary, which is
// itself among the read-only paths.
func ExampleResolve() {
	rt, err := interp.Resolve("/usr/bin/python3")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.HasPrefix(filepath.Base(rt.Exec), "python3."))
	fmt.Println(slices.Contains(rt.ReadOnlyPaths, rt.Exec))
	// Output:
	// true
	// true
}
