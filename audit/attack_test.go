package audit

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The tamper vectors: each attack is applied to a fresh clean log of 30
// records (checkpoints at 10, 20, 30) and verify must name it, with the
// first bad record's position.

func segPath(dir string) string { return filepath.Join(dir, segName(0)) }

func readSeg(t *testing.T, dir string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(segPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(b, []byte("\n"))
	if len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	return lines
}

func writeSeg(t *testing.T, dir string, lines [][]byte) {
	t.Helper()
	if err := os.WriteFile(segPath(dir), bytes.Join(lines, nil), 0o600); err != nil {
		t.Fatal(err)
	}
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if fi.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o700)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, fi.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}

func rmAll(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if err := os.RemoveAll(p); err != nil {
			t.Fatal(err)
		}
	}
}

// reseal plays an attacker who holds the signing key: drop the derived
// files and let the writer re-sign whatever the records now say.
func reseal(t *testing.T, dir string, newKey bool) {
	t.Helper()
	rmAll(t, filepath.Join(dir, hashesName), filepath.Join(dir, checkpointsDir))
	if newKey {
		rmAll(t, filepath.Join(dir, "checkpoint.key"), filepath.Join(dir, "checkpoint.pub"))
	}
	l, err := Open(testOptions(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestAttacks(t *testing.T) {
	tests := []struct {
		name string
		// tamper gets the log dir and a witness dir holding copies of the
		// log's checkpoints; it may return trusted checkpoints.
		tamper    func(t *testing.T, dir, witness string) [][]byte
		now       time.Duration // verify's clock, relative to now
		want      Attack
		wantFirst int64
	}{
		{"modified", func(t *testing.T, dir, _ string) [][]byte {
			lines := readSeg(t, dir)
			lines[14] = bytes.Replace(lines[14], []byte(`"status":"ok"`), []byte(`"status":"no"`), 1)
			writeSeg(t, dir, lines)
			return nil
		}, 0, AttackModified, 14},
		{"modified-hashes-recomputed", func(t *testing.T, dir, _ string) [][]byte {
			lines := readSeg(t, dir)
			lines[14] = bytes.Replace(lines[14], []byte(`"status":"ok"`), []byte(`"status":"no"`), 1)
			writeSeg(t, dir, lines)
			rmAll(t, filepath.Join(dir, hashesName))
			return nil
		}, 0, AttackModified, 10}, // located between the good checkpoint 10 and the bad one 20
		{"inserted-copy", func(t *testing.T, dir, _ string) [][]byte {
			lines := readSeg(t, dir)
			lines = append(lines[:8], append([][]byte{lines[5]}, lines[8:]...)...)
			writeSeg(t, dir, lines)
			return nil
		}, 0, AttackInserted, 8},
		{"inserted-garbage", func(t *testing.T, dir, _ string) [][]byte {
			lines := readSeg(t, dir)
			lines = append(lines[:4], append([][]byte{[]byte("{\"kind\":\"run-start\"}\n")}, lines[4:]...)...)
			writeSeg(t, dir, lines)
			return nil
		}, 0, AttackInserted, 4},
		{"deleted", func(t *testing.T, dir, _ string) [][]byte {
			lines := readSeg(t, dir)
			writeSeg(t, dir, append(lines[:12], lines[13:]...))
			return nil
		}, 0, AttackDeleted, 12},
		{"reordered", func(t *testing.T, dir, _ string) [][]byte {
			lines := readSeg(t, dir)
			lines[15], lines[16] = lines[16], lines[15]
			writeSeg(t, dir, lines)
			return nil
		}, 0, AttackReordered, 15},
		{"reordered-far", func(t *testing.T, dir, _ string) [][]byte {
			lines := readSeg(t, dir)
			moved := lines[5]
			lines = append(lines[:5], lines[6:]...)
			lines = append(lines[:9], append([][]byte{moved}, lines[9:]...)...)
			writeSeg(t, dir, lines)
			return nil
		}, 0, AttackReordered, 5},
		{"truncated", func(t *testing.T, dir, _ string) [][]byte {
			writeSeg(t, dir, readSeg(t, dir)[:25])
			return nil
		}, 0, AttackTruncated, 25},
		// CloudTrail's validator misses a deleted tail when the digest
		// files after it are deleted too; the witness copy catches it.
		{"deleted-tail-and-checkpoints", func(t *testing.T, dir, _ string) [][]byte {
			writeSeg(t, dir, readSeg(t, dir)[:20])
			rmAll(t, filepath.Join(dir, checkpointsDir, ckptName(30)))
			return nil
		}, 0, AttackTruncated, 20},
		{"forked", func(t *testing.T, dir, _ string) [][]byte {
			trusted, err := os.ReadFile(filepath.Join(dir, checkpointsDir, ckptName(30)))
			if err != nil {
				t.Fatal(err)
			}
			lines := readSeg(t, dir)
			lines[3] = bytes.Replace(lines[3], []byte(`"user":"alice"`), []byte(`"user":"mallory"`), 1)
			writeSeg(t, dir, lines)
			reseal(t, dir, false)
			return [][]byte{trusted}
		}, 0, AttackForked, 0},
		{"rolled-back", func(t *testing.T, dir, _ string) [][]byte {
			trusted, err := os.ReadFile(filepath.Join(dir, checkpointsDir, ckptName(30)))
			if err != nil {
				t.Fatal(err)
			}
			// Restore an older but consistent copy: 20 records, its
			// checkpoints up to 20.
			writeSeg(t, dir, readSeg(t, dir)[:20])
			rmAll(t, filepath.Join(dir, checkpointsDir, ckptName(30)))
			return [][]byte{trusted}
		}, 0, AttackRolledBack, 20},
		{"bad-signature", func(t *testing.T, dir, _ string) [][]byte {
			p := filepath.Join(dir, checkpointsDir, ckptName(20))
			b, _ := os.ReadFile(p)
			lines := strings.SplitN(string(b), "\n", 3)
			b = []byte(lines[0] + "\n" + "19\n" + lines[2])
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
			return nil
		}, 0, AttackBadSignature, -1},
		// journald's sealing was fooled by re-sealing with a later key:
		// the pinned key refuses the new signatures.
		{"resealed-with-another-key", func(t *testing.T, dir, _ string) [][]byte {
			lines := readSeg(t, dir)
			lines[7] = bytes.Replace(lines[7], []byte(`"ptrace"`), []byte(`"read"`), 1)
			writeSeg(t, dir, lines)
			reseal(t, dir, true)
			return nil
		}, 0, AttackBadSignature, 0},
		{"missing-checkpoints", func(t *testing.T, dir, _ string) [][]byte {
			rmAll(t, filepath.Join(dir, checkpointsDir))
			return nil
		}, 0, AttackMissingCheckpoint, 0},
		// journald leaves the newest window unsealed: a record appended
		// after the last checkpoint without the key stays unsealed, and
		// once it is older than a heartbeat that is an attack.
		{"forged-unsealed-tail", func(t *testing.T, dir, _ string) [][]byte {
			lines := readSeg(t, dir)
			forged := bytes.Replace(lines[29], []byte(`{"i":29,`), []byte(`{"i":30,`), 1)
			writeSeg(t, dir, append(lines, forged))
			return nil
		}, time.Hour, AttackMissingCheckpoint, 30},
	}
	base := writeLog(t, 30, func(o *Options) { o.CheckpointEvery = 10 })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "audit")
			copyDir(t, base, dir)
			witness := filepath.Join(t.TempDir(), "witness")
			copyDir(t, filepath.Join(base, checkpointsDir), witness)
			opts := pinnedKey(t, dir) // pinned before the attack
			opts.Trusted = tt.tamper(t, dir, witness)
			opts.Witness = witness
			opts.Now = func() time.Time { return time.Now().Add(tt.now) }
			rep := mustVerify(t, dir, opts)
			if rep.Clean() {
				t.Fatalf("verify found nothing")
			}
			var found bool
			for _, f := range rep.Findings {
				if f.Attack == tt.want {
					found = true
				}
			}
			if !found || rep.Findings[0].Attack != tt.want {
				t.Fatalf("want %s first, got %v", tt.want, rep.Findings)
			}
			if rep.FirstBad != tt.wantFirst {
				t.Fatalf("first bad record %d, want %d (%v)", rep.FirstBad, tt.wantFirst, rep.Findings)
			}
		})
	}
}

// Without a pinned key a verifier trusts the log's own checkpoint.pub,
// which a re-sealer replaces: the report must say the key was not pinned.
func TestResealUnpinnedSaysSo(t *testing.T) {
	dir := writeLog(t, 12, nil)
	reseal(t, dir, true)
	rep := mustVerify(t, dir, VerifyOptions{})
	if rep.KeyPinned {
		t.Fatal("report claims a pinned key")
	}
}
