//go:build linux

package cordon

import (
	"context"
	"os/exec"
	"testing"

	"github.com/cordonsec/cordon/interp"
	"github.com/cordonsec/cordon/policy"
)

// The sandbox's cost against a bare interpreter, for hello-world: compare
// BenchmarkBarePython with BenchmarkRunCold (everything from resolve to
// reaped) and BenchmarkRunPrepared (timed from hand-over). With and
// without cgroups: on a cgroup v1 host moving the init into its group
// costs 6-14 ms, which Prepare takes off the hand-over path.
//
//	go test -run '^$' -bench . -benchtime 50x .

const hello = `print("hello")`

func BenchmarkBarePython(b *testing.B) {
	rt, err := interp.Resolve("python3")
	if err != nil {
		b.Skip(err)
	}
	for b.Loop() {
		if err := exec.Command(rt.Exec, "-E", "-s", "-c", hello).Run(); err != nil {
			b.Fatal(err)
		}
	}
}

func benchPolicy(cgroups bool) *policy.Policy {
	p := policy.Default()
	if !cgroups {
		// Simulate a host where the cgroup layer may degrade.
		p.Isolation.AllowDegraded = []policy.Layer{policy.LayerCgroup}
	}
	return p
}

func BenchmarkRunCold(b *testing.B) {
	ex, _ := NewExecutor(Options{})
	pol := benchPolicy(true)
	for b.Loop() {
		res, err := ex.Run(context.Background(), Job{Source: []byte(hello), Policy: pol})
		if err != nil || res.Status != StatusOK {
			b.Fatal(err, res.Status, res.Error)
		}
	}
}

func BenchmarkRunPrepared(b *testing.B) {
	ex, _ := NewExecutor(Options{})
	pol := benchPolicy(true)
	for b.Loop() {
		b.StopTimer()
		p, err := ex.Prepare(context.Background(), pol)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := p.Run(context.Background(), Job{Source: []byte(hello)})
		if err != nil || res.Status != StatusOK {
			b.Fatal(err, res.Status, res.Error)
		}
	}
}
