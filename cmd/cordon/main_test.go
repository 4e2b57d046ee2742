package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/cordonsec/cordon/cmd/cordon/cli"
)

// TestMain lets testscript run this test binary as the cordon command.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"cordon": func() {
			// As main does: SIGINT and SIGTERM cancel the context.
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
			stop()
			os.Exit(code)
		},
	})
}

// TestScripts runs every user story in testdata/*.txt. Conditions such as
// [root], [userns], [landlock], [cgroup2] are registered in conditions_test.go.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:       "testdata",
		Condition: condition,
		Setup:     setup,
		Cmds:      map[string]func(*testscript.TestScript, bool, []string){"sleep": sleepCmd},
	})
}

// sleepCmd is "sleep DURATION": a story that signals a background command
// gives it time to start first.
func sleepCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sleep DURATION")
	}
	d, err := time.ParseDuration(args[0])
	ts.Check(err)
	time.Sleep(d)
}
