package cordon_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/cordonsec/cordon"
)

// A script runs under the built-in default policy; the result says how it
// ended and which layers were in force.
func ExampleExecutor_Run() {
	ex, err := cordon.NewExecutor(cordon.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ex.Close()
	res, err := ex.Run(context.Background(), cordon.Job{
		Source: []byte(`print("hello from the sandbox")`),
		Stdout: os.Stdout, // live, as well as in res.Stdout
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Status, res.Layers["seccomp"], res.Usage.WallMS > 0)
	// Output:
	// hello from the sandbox
	// ok active true
}

// A sandbox is built before its job arrives; handing the job over skips
// the namespaces, the root and the cgroup move.
func ExampleExecutor_Prepare() {
	ex, err := cordon.NewExecutor(cordon.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ex.Close()
	p, err := ex.Prepare(context.Background(), nil) // the default policy
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close() // a prepared sandbox that never gets its job is torn down
	res, err := p.Run(context.Background(), cordon.Job{Source: []byte(`print(6 * 7)`)})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(res.Stdout)
	// Output: 42
}

// A pool keeps sandboxes ready with the interpreter already started; each
// serves one job, and the pool builds the next in the background.
func ExampleNewPool() {
	ex, err := cordon.NewExecutor(cordon.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ex.Close()
	pool, err := cordon.NewPool(ex, cordon.PoolOptions{Size: 2, Wait: time.Minute, NoCold: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pool.Close()
	res, err := pool.Run(context.Background(), cordon.Job{Source: []byte(`import sys; print(sys.argv[1:])`), Args: []string{"a"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(res.Stdout)
	fmt.Println(res.Warm)
	// Output:
	// ['a']
	// true
}
