package audit

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Proof shows that records are in the log a signed checkpoint commits to;
// it is checked offline with the verifier key alone ([CheckProof]).
type Proof struct {
	// Checkpoint is the signed note (tree size and root).
	Checkpoint string        `json:"checkpoint"`
	Records    []RecordProof `json:"records"`
}

// RecordProof is the inclusion proof of one record.
type RecordProof struct {
	Index int64 `json:"index"`
	// Record is the stored line, the exact bytes of the leaf.
	Record string      `json:"record"`
	Hash   tlog.Hash   `json:"hash"`
	Proof  []tlog.Hash `json:"proof"`
}

// ErrNotCovered is returned by Prove for a record the checkpoint does not
// cover yet.
var ErrNotCovered = errors.New("record is not covered by the checkpoint")

// Prove builds inclusion proofs of the records at indexes against
// checkpoint (a signed note; nil means the log's newest). The log's hash
// file must give the checkpoint's root.
func Prove(dir string, indexes []int64, checkpoint []byte, v note.Verifier) (*Proof, error) {
	if checkpoint == nil {
		var err error
		if checkpoint, err = LatestCheckpoint(dir); err != nil {
			return nil, err
		}
	}
	cp, err := OpenCheckpoint(checkpoint, v)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(filepath.Join(dir, hashesName))
	if err != nil {
		return nil, fmt.Errorf("proving: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	hf := &hashFile{f: f, size: st.Size()}
	root, err := tlog.TreeHash(cp.Size, hf)
	if err != nil {
		return nil, fmt.Errorf("proving: %w", err)
	}
	if root != cp.Hash {
		return nil, fmt.Errorf("%w: %s does not give the checkpoint's root", ErrTampered, hashesName)
	}
	lines, err := recordLines(dir, indexes)
	if err != nil {
		return nil, err
	}
	p := &Proof{Checkpoint: string(checkpoint)}
	for _, i := range indexes {
		if i < 0 || i >= cp.Size {
			return nil, fmt.Errorf("%w: record %d, checkpoint size %d", ErrNotCovered, i, cp.Size)
		}
		line, ok := lines[i]
		if !ok {
			return nil, fmt.Errorf("record %d not found in %s", i, dir)
		}
		rp, err := tlog.ProveRecord(cp.Size, i, hf)
		if err != nil {
			return nil, fmt.Errorf("proving record %d: %w", i, err)
		}
		h := tlog.RecordHash(line)
		if err := tlog.CheckRecord(rp, cp.Size, cp.Hash, i, h); err != nil {
			return nil, fmt.Errorf("%w: record %d is not the leaf the tree holds", ErrTampered, i)
		}
		p.Records = append(p.Records, RecordProof{Index: i, Record: string(line), Hash: h, Proof: rp})
	}
	return p, nil
}

// LatestCheckpoint returns the newest signed checkpoint (note text) of
// the log in dir, unchecked; ErrNotCovered wraps the error when the log has
// none yet.
func LatestCheckpoint(dir string) ([]byte, error) {
	names, err := listCheckpointFiles(filepath.Join(dir, checkpointsDir))
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%w: the log has no checkpoint", ErrNotCovered)
	}
	return os.ReadFile(filepath.Join(dir, checkpointsDir, names[len(names)-1]))
}

// recordLines returns the stored lines at the given indexes.
func recordLines(dir string, indexes []int64) (map[int64][]byte, error) {
	want := map[int64]bool{}
	lo := int64(-1)
	for _, i := range indexes {
		want[i] = true
		if lo < 0 || i < lo {
			lo = i
		}
	}
	segs, err := listSegments(dir)
	if err != nil {
		return nil, err
	}
	out := map[int64][]byte{}
	err = readLines(dir, segs, max(lo, 0), func(i int64, line []byte) error {
		if want[i] {
			out[i] = append([]byte(nil), line...)
			if len(out) == len(want) {
				return io.EOF
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return out, nil
}

// CheckProof checks p offline: the checkpoint's signature with the pinned
// key v, each record's leaf hash and its inclusion proof against the
// signed root, and that each record says its own index. It returns the
// checkpoint and the records.
func CheckProof(p *Proof, v note.Verifier) (Checkpoint, []Record, error) {
	cp, err := OpenCheckpoint([]byte(p.Checkpoint), v)
	if err != nil {
		return Checkpoint{}, nil, err
	}
	if len(p.Records) == 0 {
		return Checkpoint{}, nil, errors.New("proof holds no record")
	}
	var recs []Record
	for _, rp := range p.Records {
		line := []byte(rp.Record)
		h := tlog.RecordHash(line)
		if h != rp.Hash {
			return Checkpoint{}, nil, fmt.Errorf("record %d: its bytes do not hash to the stated leaf hash", rp.Index)
		}
		if err := tlog.CheckRecord(tlog.RecordProof(rp.Proof), cp.Size, cp.Hash, rp.Index, h); err != nil {
			return Checkpoint{}, nil, fmt.Errorf("record %d: inclusion proof fails against the checkpoint of size %d: %w", rp.Index, cp.Size, err)
		}
		i, rec, err := ParseRecord(line)
		if err != nil {
			return Checkpoint{}, nil, fmt.Errorf("record %d: %w", rp.Index, err)
		}
		if i != rp.Index {
			return Checkpoint{}, nil, fmt.Errorf("record %d says it is record %d", rp.Index, i)
		}
		recs = append(recs, rec)
	}
	return cp, recs, nil
}

// ReadRecords calls fn for every record of the log in dir, in order. It
// trusts the files (use Verify first when that matters); a line that does
// not parse is an error.
func ReadRecords(dir string, fn func(index int64, rec Record) error) error {
	segs, err := listSegments(dir)
	if err != nil {
		return err
	}
	anchor, err := readPruned(dir)
	if err != nil {
		return err
	}
	err = readLines(dir, segs, anchor.First, func(i int64, line []byte) error {
		idx, rec, err := ParseRecord(line)
		if err != nil {
			return fmt.Errorf("record %d: %w", i, err)
		}
		return fn(idx, rec)
	})
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}
