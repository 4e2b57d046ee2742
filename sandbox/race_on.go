//go:build race

package sandbox

// raceEnabled: this binary has the race detector, whose runtime sleeps
// 1 s at every exit (atexit_sleep_ms) unless told otherwise; the stage-2
// init exits once per run.
const raceEnabled = true
