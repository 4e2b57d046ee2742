package cordon

// A script that runs a program the sandbox does not have fails inside
// Python with a FileNotFoundError from subprocess (or "sh: 1: git: not
// found" from a shell). The sandbox cannot tell that apart from any other
// missing file at the system-call level, so the supervisor reads the
// script's stderr after the run and turns each such failure into a
// "program-missing" event naming the policy field that would allow it.

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

var (
	// Python's subprocess: the traceback passes through _execute_child,
	// then names the program.
	execFailedRe = regexp.MustCompile(`(?m)^FileNotFoundError: \[Errno 2\] No such file or directory: '([^'/]+|/[^']+)'$`)
	// dash and bash: "sh: 1: git: not found", "bash: line 1: git: command not found".
	shellNotFoundRe = regexp.MustCompile(`(?m)^(?:/bin/|/usr/bin/)?(?:sh|dash|bash): (?:line )?\d+: ([^:\s]+): (?:command )?not found$`)
)

// maxProgramEvents bounds the events one run gets this way.
const maxProgramEvents = 8

// missingPrograms returns one event per program the script's stderr shows
// it failed to run.
func missingPrograms(stderr string) []Event {
	var names []string
	if strings.Contains(stderr, "in _execute_child") {
		for _, m := range execFailedRe.FindAllStringSubmatch(stderr, -1) {
			names = append(names, m[1])
		}
	}
	for _, m := range shellNotFoundRe.FindAllStringSubmatch(stderr, -1) {
		names = append(names, m[1])
	}
	slices.Sort(names)
	names = slices.Compact(names)
	var evs []Event
	for _, n := range names {
		if len(evs) == maxProgramEvents {
			break
		}
		evs = append(evs, Event{Type: EventProgramMissing,
			Message: fmt.Sprintf("the script tried to run %q, which the sandbox does not have; runtime.tools lists the programs a script may run", n),
			Detail:  map[string]any{"program": n, "field": "runtime.tools"}})
	}
	return evs
}
