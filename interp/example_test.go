package interp_test

import (
	"fmt"
	"log"

	"github.com/cordonsec/cordon/interp"
)

// A sandbox binds rt.ReadOnlyPaths read-only at the same place in its new
// root, recreates rt.Symlinks, and executes rt.Exec.
func ExampleResolve() {
	rt, err := interp.Resolve("python3")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("run", rt.Exec, "(Python", rt.Version+")")
	for _, p := range rt.ReadOnlyPaths {
		fmt.Println("bind read-only", p)
	}
	for _, l := range rt.Symlinks {
		fmt.Println("link", l.Path, "->", l.Target)
	}
}
