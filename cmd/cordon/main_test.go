package main

import (
	"context"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
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
		Cmds:      map[string]func(*testscript.TestScript, bool, []string){"sleep": sleepCmd, "waitfor": waitforCmd},
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

// waitforCmd is "waitfor REGEXP GLOB": it waits (up to a minute) until a
// file matching GLOB holds a match of REGEXP — a story that signals a
// background run waits for its audit start record this way.
func waitforCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: waitfor REGEXP GLOB")
	}
	re, err := regexp.Compile(args[0])
	ts.Check(err)
	for end := time.Now().Add(time.Minute); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		files, _ := filepath.Glob(ts.MkAbs(args[1]))
		for _, f := range files {
			if b, err := os.ReadFile(f); err == nil && re.Match(b) {
				return
			}
		}
	}
	ts.Fatalf("no match for %q in %s after a minute", args[0], args[1])
}
