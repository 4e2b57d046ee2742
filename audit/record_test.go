package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
)

func TestRecordRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 29, 3, 0, 0, 123456789, time.UTC)
	for i, rec := range []Record{startRecord("r1"), endRecord("r1", "timeout"), eventRecord("r1"),
		{Kind: KindLogRepaired, Repair: &Repair{Segment: segName(0), Offset: 10, BytesDropped: 3}}} {
		rec.Time = at
		b, err := marshalRecord(int64(i), &rec)
		if err != nil {
			t.Fatal(err)
		}
		idx, got, err := ParseRecord(b)
		if err != nil || idx != int64(i) {
			t.Fatalf("parse %s: %d %v", b, idx, err)
		}
		if !got.Time.Equal(at) || got.Kind != rec.Kind {
			t.Fatalf("round trip %s: %+v", b, got)
		}
		qi, qt, ok := quickIndex(b)
		if !ok || qi != int64(i) || !qt.Equal(at) {
			t.Fatalf("quickIndex %s: %d %v %v", b, qi, qt, ok)
		}
	}
}

func TestRecordRefused(t *testing.T) {
	tests := []struct {
		name string
		rec  Record
	}{
		{"unknown kind", Record{Kind: "nope", Start: &RunStart{}}},
		{"no body", Record{Kind: KindRunStart}},
		{"wrong body", Record{Kind: KindRunStart, End: &RunEnd{}}},
		{"two bodies", Record{Kind: KindRunEnd, End: &RunEnd{}, Start: &RunStart{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := marshalRecord(0, &tt.rec); !errors.Is(err, ErrRecord) {
				t.Fatalf("got %v, want ErrRecord", err)
			}
		})
	}
	for _, line := range []string{
		`{"i":-1,"t":"2026-01-01T00:00:00Z","kind":"run-start","start":{}}`,
		`{"i":1,"t":"yesterday","kind":"run-start","start":{}}`,
		`{"i":1,"t":"2026-01-01T00:00:00Z","kind":"run-start","start":{},"extra":1}`,
		`{"i":1,"t":"2026-01-01T00:00:00Z","kind":"run-start","start":{}} {}`,
		`not json`,
	} {
		if _, _, err := ParseRecord([]byte(line)); err == nil {
			t.Errorf("ParseRecord(%s) accepted", line)
		}
	}
}

// FuzzParseRecord: no panic; anything accepted re-encodes to a line that
// parses to the same record.
func FuzzParseRecord(f *testing.F) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	for i, rec := range []Record{startRecord("a"), endRecord("b", "ok"), eventRecord("c")} {
		rec.Time = at
		b, _ := marshalRecord(int64(i), &rec)
		f.Add(b)
	}
	f.Add([]byte(`{"i":0,"t":"2026-01-01T00:00:00Z","kind":"log-repaired","repair":{"segment":"x","offset":1,"bytes_dropped":2}}`))
	f.Add([]byte(`{"i":01,"t":""}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		idx, rec, err := ParseRecord(line)
		if err != nil {
			return
		}
		b, err := marshalRecord(idx, &rec)
		if err != nil {
			t.Fatalf("accepted record does not re-encode: %v", err)
		}
		idx2, rec2, err := ParseRecord(b)
		if err != nil || idx2 != idx || !rec2.Time.Equal(rec.Time) {
			t.Fatalf("re-encoded record differs: %v", err)
		}
		j1, _ := json.Marshal(rec)
		j2, _ := json.Marshal(rec2)
		if !bytes.Equal(j1, j2) {
			t.Fatalf("round trip changed the record:\n%s\n%s", j1, j2)
		}
		if qi, _, ok := quickIndex(b); !ok || qi != idx {
			t.Fatalf("quickIndex disagrees on %s", b)
		}
	})
}

func FuzzParseCheckpoint(f *testing.F) {
	f.Add("cordon.audit/test\n10\n" + "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" + "\ntime 2026-01-01T00:00:00Z\n")
	f.Add("o\n0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")
	f.Add("o\n-1\n\n")
	f.Fuzz(func(t *testing.T, text string) {
		c, err := ParseCheckpoint(text)
		if err != nil {
			return
		}
		c2, err := ParseCheckpoint(c.Format())
		if err != nil || c2.Origin != c.Origin || c2.Size != c.Size || c2.Hash != c.Hash || !c2.Time.Equal(c.Time) {
			t.Fatalf("round trip of %q: %+v %v", text, c2, err)
		}
	})
}

func TestCheckpointSignature(t *testing.T) {
	dir := t.TempDir()
	vkey, err := GenerateKey("cordon.audit/x", dir+"/k", dir+"/k.pub")
	if err != nil {
		t.Fatal(err)
	}
	s, err := LoadSigner(dir + "/k")
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	derived, err := verifierOf(dir + "/k")
	if err != nil || derived.KeyHash() != v.KeyHash() || derived.Name() != v.Name() {
		t.Fatalf("derived verifier differs: %v", err)
	}
	c := Checkpoint{Origin: "cordon.audit/x", Size: 5, Time: time.Unix(100, 0)}
	msg, err := SignCheckpoint(c, s)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := OpenCheckpoint(msg, v); err != nil || got.Size != 5 {
		t.Fatalf("open: %+v %v", got, err)
	}
	forged := bytes.Replace(msg, []byte("\n5\n"), []byte("\n6\n"), 1)
	if _, err := OpenCheckpoint(forged, v); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("forged checkpoint: %v", err)
	}
	// Signed by another key with the same name: refused.
	_, vkey2, _ := note.GenerateKey(nil, "cordon.audit/x")
	v2, _ := note.NewVerifier(vkey2)
	if _, err := OpenCheckpoint(msg, v2); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("checkpoint under another key: %v", err)
	}
	// A key file with loose permissions is refused, naming file and fix.
	if err := chmod(dir+"/k", 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = LoadSigner(dir + "/k")
	var kpe *KeyPermissionError
	if !errors.As(err, &kpe) || !errors.Is(err, ErrKeyPermissions) || !bytes.Contains([]byte(err.Error()), []byte("chmod 600 "+dir+"/k")) {
		t.Fatalf("loose key: %v", err)
	}
}
