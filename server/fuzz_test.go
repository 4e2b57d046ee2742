package server

import (
	"os"
	"strings"
	"testing"

	"github.com/cordonsec/cordon/policy"
)

// FuzzRunRequest: decoding and checking a POST /v1/runs body never panics;
// it gives either a problem of a known type or a run with exactly one
// script, whose input files stay inside the run's own input dir.
func FuzzRunRequest(f *testing.F) {
	for _, s := range []string{
		`{"source":"print(1)"}`,
		`{"source":"print(1)","args":["a"],"stdin":"aGk=","stdin_encoding":"base64","env":{}}`,
		`{"entrypoint":"m.py","files":[{"path":"m.py","content":"1"},{"path":"d","content":"AA==","encoding":"base64"}]}`,
		`{"source":"1","policy":{"limits":{"output":"1KiB"}}}`,
		`{"source":"1","policy":{"limits":{"wall_time":"1h"}}}`,
		`{"source":"1","policy":"limits: {memory: 1MiB}"}`,
		`{"source":"1","files":[{"path":"../../etc/passwd","content":"x"}]}`,
		`{"source":"1","callback":"http://127.0.0.1/x","idempotency_key":"k"}`,
		`{"source": 1}`, `[]`, `{"a":1}`, `{"source":"1"} x`,
	} {
		f.Add([]byte(s))
	}
	state := f.TempDir()
	ceiling := policy.Default()
	ceiling.Runtime.Interpreter = "/usr/bin/python3"
	s := &Server{cfg: &Config{StateDir: state}}
	t := &Tenant{TenantConfig: TenantConfig{Name: "t", Concurrency: 1}, Ceiling: ceiling}
	f.Fuzz(func(tt *testing.T, raw []byte) {
		var req RunRequest
		if p := decodeStrict(raw, &req); p != nil {
			if !strings.HasPrefix(p.Type, problemBase) {
				tt.Fatalf("problem type %q", p.Type)
			}
			return
		}
		run, p := s.buildRun(t, &req, "")
		if run != nil && run.inputDir != "" {
			defer os.RemoveAll(run.inputDir)
		}
		if p != nil {
			if _, ok := problemTypes[strings.TrimPrefix(p.Type, problemBase)]; !ok {
				tt.Fatalf("unknown problem type %q", p.Type)
			}
			return
		}
		if (run.job.Source != nil) == (run.job.Script != "") {
			tt.Fatalf("run with source %v and script %q", run.job.Source != nil, run.job.Script)
		}
		for _, f := range append([]string{run.job.Script}, run.job.Files...) {
			if f != "" && !strings.HasPrefix(f, run.inputDir+"/") {
				tt.Fatalf("input file %q outside %s", f, run.inputDir)
			}
		}
	})
}
