package main

import (
	"context"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/cordonsec/cordon/cmd/cordon/cli"
)

// TestMain lets testscript run this test binary as the cordon command.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"cordon": func() {
			os.Exit(cli.Main(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
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
	})
}
