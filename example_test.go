package cordon_test

import (
	"context"
	"fmt"
	"os"

	"github.com/cordonsec/cordon"
)

// A script runs under the strict default policy; the result says how it
// ended and which layers were in force.
func ExampleExecutor_Run() {
	ex, err := cordon.NewExecutor(cordon.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := ex.Run(context.Background(), cordon.Job{
		Source: []byte(`print("hello from the sandbox")`),
		Stdout: os.Stdout, // live, as well as in res.Stdout
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Status, res.Layers["seccomp"], res.Usage.WallMS > 0)
}

// A sandbox is built before its job arrives; handing the job over skips
// the namespaces, the root and the cgroup move.
func ExampleExecutor_Prepare() {
	ex, _ := cordon.NewExecutor(cordon.Options{})
	p, err := ex.Prepare(context.Background(), nil) // the default policy
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := p.Run(context.Background(), cordon.Job{Source: []byte(`print(6 * 7)`)})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(res.Stdout)
}
