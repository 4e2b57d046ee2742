package audit

import (
	"encoding/json"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

func TestProveAndCheck(t *testing.T) {
	dir := writeLog(t, 25, func(o *Options) { o.RotateSize = 2000 })
	key := pinnedKey(t, dir).Key
	p, err := Prove(dir, []int64{0, 7, 24}, nil, key)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(p)
	var back Proof
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	cp, recs, err := CheckProof(&back, key)
	if err != nil || cp.Size != 25 || len(recs) != 3 || recs[1].RunID != "run-2" {
		t.Fatalf("check: %+v %v %v", cp, recs, err)
	}
	tests := []struct {
		name   string
		mutate func(p *Proof)
	}{
		{"record edited", func(p *Proof) {
			p.Records[0].Record = strings.Replace(p.Records[0].Record, "alice", "bob", 1)
		}},
		{"hash and record edited", func(p *Proof) {
			p.Records[0].Record = strings.Replace(p.Records[0].Record, "alice", "bob", 1)
			p.Records[0].Hash = recordHash(p.Records[0].Record)
		}},
		{"wrong index", func(p *Proof) { p.Records[1].Index = 8 }},
		{"proof hash flipped", func(p *Proof) { p.Records[2].Proof[0][0] ^= 1 }},
		{"checkpoint edited", func(p *Proof) { p.Checkpoint = strings.Replace(p.Checkpoint, "\n25\n", "\n26\n", 1) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var q Proof
			json.Unmarshal(b, &q)
			tt.mutate(&q)
			if _, _, err := CheckProof(&q, key); err == nil {
				t.Fatal("tampered proof accepted")
			}
		})
	}
	// Another key refuses it.
	_, vkey, _ := note.GenerateKey(nil, key.Name())
	other, _ := note.NewVerifier(vkey)
	if _, _, err := CheckProof(&back, other); err == nil {
		t.Fatal("proof accepted under another key")
	}
	if _, err := Prove(dir, []int64{25}, nil, key); err == nil {
		t.Fatal("proof of an uncovered record")
	}
}
