//go:build linux

package cordon

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/cordonsec/cordon/policy"
)

// The sandbox's cost against a bare interpreter, for hello-world: compare
// BenchmarkBarePython with BenchmarkRunCold (everything from resolve to
// reaped) and BenchmarkRunPrepared (timed from hand-over). The baseline
// and the sandbox both run the system interpreter /usr/bin/python3 (a
// pyenv python3 on PATH starts three times slower and would hide
// Cordon's own cost). On a cgroup v1 host moving the init into its group
// costs 6-14 ms, which Prepare takes off the hand-over path.
//
//	go test -run '^$' -bench . -benchtime 50x .

const (
	hello       = `print("hello")`
	benchPython = "/usr/bin/python3"
)

func BenchmarkBarePython(b *testing.B) {
	if _, err := os.Stat(benchPython); err != nil {
		b.Skip(err)
	}
	for b.Loop() {
		if err := exec.Command(benchPython, "-E", "-s", "-c", hello).Run(); err != nil {
			b.Fatal(err)
		}
	}
}

func benchPolicy() *policy.Policy {
	p := policy.Default()
	p.Runtime.Interpreter = benchPython
	return p
}

func BenchmarkRunCold(b *testing.B) {
	ex, err := NewExecutor(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer ex.Close()
	pol := benchPolicy()
	for b.Loop() {
		res, err := ex.Run(context.Background(), Job{Source: []byte(hello), Policy: pol})
		if err != nil || res.Status != StatusOK {
			b.Fatal(err, res.Status, res.Error)
		}
	}
}

func BenchmarkRunPrepared(b *testing.B) {
	ex, err := NewExecutor(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer ex.Close()
	pol := benchPolicy()
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
