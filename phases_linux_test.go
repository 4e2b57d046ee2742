//go:build linux

package cordon

import (
	"context"
	"testing"
)

// A cold run reports every phase of the sandbox's life; a prepared one
// only those from hand-over on (its spawn and setup were not the job's).
func TestPhases(t *testing.T) {
	needPython(t)
	res := run(t, `print("hi")`, nil, Job{})
	ph := res.Usage.Phases
	if res.Status != StatusOK || ph.AnalysisUS <= 0 || ph.SpawnUS <= 0 || ph.SetupUS <= 0 || ph.HandoverUS <= 0 || ph.ScriptUS <= 0 {
		t.Fatalf("cold run: status %s, phases %+v", res.Status, ph)
	}
	if sum := (ph.SpawnUS + ph.SetupUS + ph.HandoverUS + ph.ScriptUS) / 1000; sum > res.Usage.WallMS+ph.SpawnUS/1000+ph.SetupUS/1000+5 {
		t.Errorf("phases %+v add up to more than the run", ph)
	}
	ex, _ := NewExecutor(Options{})
	p, err := ex.Prepare(context.Background(), testPolicy())
	if err != nil {
		t.Fatal(err)
	}
	res, err = p.Run(context.Background(), Job{Source: []byte(`print("hi")`)})
	ph = res.Usage.Phases
	if err != nil || res.Status != StatusOK || ph.SpawnUS != 0 || ph.SetupUS != 0 || ph.HandoverUS <= 0 || ph.ScriptUS <= 0 {
		t.Fatalf("prepared run: %v %s, phases %+v", err, res.Status, ph)
	}
}
