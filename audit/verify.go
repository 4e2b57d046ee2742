package audit

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Attack names what verify found. The text form is stable.
type Attack string

// The attacks verify names.
const (
	AttackModified          Attack = "modified"
	AttackInserted          Attack = "inserted"
	AttackDeleted           Attack = "deleted"
	AttackReordered         Attack = "reordered"
	AttackTruncated         Attack = "truncated"
	AttackForked            Attack = "forked"
	AttackRolledBack        Attack = "rolled-back"
	AttackBadSignature      Attack = "bad-signature"
	AttackMissingCheckpoint Attack = "missing-checkpoint"
)

// Problem is one sign of tampering verify found. Position is the 0-based position
// of the first bad record (its leaf index in an intact log), or -1 when
// the finding is about a checkpoint file as a whole.
type Problem struct {
	Attack   Attack `json:"attack"`
	Position int64  `json:"position"`
	File     string `json:"file,omitempty"`
	Msg      string `json:"message"`
}

func (f Problem) String() string {
	s := string(f.Attack)
	if f.Position >= 0 {
		s += fmt.Sprintf(" at record %d", f.Position)
	}
	if f.File != "" {
		s += " (" + f.File + ")"
	}
	return s + ": " + f.Msg
}

// VerifyOptions say what to trust.
type VerifyOptions struct {
	// Key is the pinned verifier key. nil means the log's own
	// checkpoint.pub, which an attacker who owns the directory can
	// replace: the report then says KeyPinned false.
	Key note.Verifier
	// Trusted are signed checkpoints held outside the log (an auditor's
	// copy): the log must extend each of them.
	Trusted [][]byte
	// Witness is a directory of checkpoint copies (see Options.Witness).
	Witness string
	// MaxUnsealed is how old the oldest record after the last checkpoint
	// may be before the missing checkpoint is an attack; 0 means 15
	// minutes, negative disables the check.
	MaxUnsealed time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// VerifyReport is what Verify found.
type VerifyReport struct {
	Dir       string `json:"dir"`
	KeyName   string `json:"key"`
	KeyPinned bool   `json:"key_pinned"`
	// Pruned is the index of the first record still present (records
	// before it were removed by retention).
	Pruned      int64     `json:"pruned"`
	Records     int64     `json:"records"` // tree size recomputed
	Segments    int       `json:"segments"`
	Root        tlog.Hash `json:"root"`
	Checkpoints int       `json:"checkpoints"` // valid ones checked
	// Sealed is the size of the newest valid checkpoint of the log.
	Sealed   int64     `json:"sealed"`
	Findings []Problem `json:"findings"`
	// FirstBad is the smallest Position of the findings, -1 if none.
	FirstBad int64 `json:"first_bad"`
}

// Clean reports whether verify found nothing wrong.
func (r *VerifyReport) Clean() bool { return len(r.Findings) == 0 }

// Attacks returns the distinct attacks found, in order of discovery.
func (r *VerifyReport) Attacks() []Attack {
	var out []Attack
	seen := map[Attack]bool{}
	for _, f := range r.Findings {
		if !seen[f.Attack] {
			seen[f.Attack] = true
			out = append(out, f.Attack)
		}
	}
	return out
}

// maxFindings bounds the findings of one kind of pass.
const maxFindings = 50

func (r *VerifyReport) add(f Problem) {
	if len(r.Findings) < 4*maxFindings {
		r.Findings = append(r.Findings, f)
	}
	if f.Position >= 0 && (r.FirstBad < 0 || f.Position < r.FirstBad) {
		r.FirstBad = f.Position
	}
}

// scanned is one record as verify read it.
type scanned struct {
	claimed int64 // index written in the record, -1 if unreadable
	leaf    tlog.Hash
	time    time.Time
}

// Verify recomputes the log in dir from its records and checks it against
// every checkpoint it can find (its own, the witness's, the trusted ones).
// The error is for a log that could not be read at all; what is wrong
// with a readable log is in the report.
func Verify(dir string, opts VerifyOptions) (*VerifyReport, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxUnsealed == 0 {
		opts.MaxUnsealed = 15 * time.Minute
	}
	rep := &VerifyReport{Dir: dir, FirstBad: -1, KeyPinned: opts.Key != nil, Findings: []Problem{}}
	key := opts.Key
	if key == nil {
		v, err := LoadVerifier(filepath.Join(dir, "checkpoint.pub"))
		if err != nil {
			return nil, fmt.Errorf("no verifier key given and none in the log: %w", err)
		}
		key = v
	}
	rep.KeyName = key.Name()

	anchor, err := readPruned(dir)
	if err != nil {
		return nil, err
	}
	rep.Pruned = anchor.First
	segs, err := listSegments(dir)
	if err != nil {
		return nil, err
	}
	rep.Segments = len(segs)
	recs, err := scanSegments(dir, segs, anchor.First, rep)
	if err != nil {
		return nil, err
	}
	total := anchor.First + int64(len(recs))
	rep.Records = total

	// Checkpoints: the log's own, the witness's, the trusted ones.
	type ckpt struct {
		c      Checkpoint
		file   string
		source string // "log", "witness", "trusted"
	}
	var cps []ckpt
	load := func(source, dir string) error {
		names, err := listCheckpointFiles(dir)
		if err != nil {
			return fmt.Errorf("listing %s checkpoints: %w", source, err)
		}
		for _, name := range names {
			path := filepath.Join(dir, name)
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			c, err := OpenCheckpoint(b, key)
			if err != nil {
				rep.add(Problem{Attack: AttackBadSignature, Position: -1, File: path, Msg: fmt.Sprintf("%s checkpoint refused: %v", source, err)})
				continue
			}
			cps = append(cps, ckpt{c, path, source})
		}
		return nil
	}
	// Trusted first: what an auditor holds names the attack best.
	for i, b := range opts.Trusted {
		c, err := OpenCheckpoint(b, key)
		if err != nil {
			rep.add(Problem{Attack: AttackBadSignature, Position: -1, File: fmt.Sprintf("trusted #%d", i+1), Msg: fmt.Sprintf("trusted checkpoint refused: %v", err)})
			continue
		}
		cps = append(cps, ckpt{c, fmt.Sprintf("trusted #%d", i+1), "trusted"})
	}
	if err := load("log", filepath.Join(dir, checkpointsDir)); err != nil {
		return nil, err
	}
	if opts.Witness != "" {
		if err := load("witness", opts.Witness); err != nil {
			return nil, err
		}
	}

	// Recompute the tree, taking the root at every checkpointed size.
	want := map[int64]tlog.Hash{}
	for _, c := range cps {
		if c.c.Size >= anchor.First && c.c.Size <= total {
			want[c.c.Size] = tlog.Hash{}
		}
	}
	roots, root, err := recompute(anchor, recs, want)
	if err != nil {
		return nil, err
	}
	rep.Root = root

	// Index anomalies: deletions, insertions, reorders a naive edit leaves.
	classifyIndexes(recs, anchor.First, rep)
	indexBad := rep.FirstBad

	var mismatch []ckpt
	goodBelow := anchor.First // largest size known to match
	var ownSigned, ownLatest int64
	for _, c := range cps {
		size := c.c.Size
		if c.source == "log" {
			ownSigned++
			if size <= total && size > ownLatest {
				ownLatest = size
			}
		}
		switch {
		case size < anchor.First:
			continue // vouches for pruned records only
		case size > total:
			kind, who := AttackTruncated, "the log's own checkpoint"
			switch c.source {
			case "witness":
				who = "the witness's checkpoint"
			case "trusted":
				kind, who = AttackRolledBack, "the trusted checkpoint"
			}
			rep.add(Problem{Attack: kind, Position: total, File: c.file,
				Msg: fmt.Sprintf("%s covers %d records but the log has %d", who, size, total)})
			continue
		}
		rep.Checkpoints++
		if roots[size] != c.c.Hash {
			mismatch = append(mismatch, c)
			continue
		}
		if size > goodBelow {
			goodBelow = size
		}
		if c.source == "log" && size > rep.Sealed {
			rep.Sealed = size
		}
	}
	if len(mismatch) > 0 {
		loc := locateModified(dir, recs, anchor.First, rep)
		for _, c := range mismatch {
			kind := AttackModified
			if c.source != "log" {
				kind = AttackForked
			}
			pos := loc
			if pos < 0 || pos >= c.c.Size {
				pos = indexBad
			}
			if pos < 0 || pos >= c.c.Size {
				pos = goodBelow
				if pos >= c.c.Size {
					pos = anchor.First
				}
			}
			rep.add(Problem{Attack: kind, Position: pos, File: c.file,
				Msg: fmt.Sprintf("the records do not hash to the root signed in this %s checkpoint of size %d", c.source, c.c.Size)})
		}
	} else if loc := locateModified(dir, recs, anchor.First, rep); loc >= 0 {
		rep.add(Problem{Attack: AttackModified, Position: loc, Msg: "record differs from the leaf hash the writer stored"})
	}

	// Records no checkpoint vouches for.
	if total > anchor.First && opts.MaxUnsealed > 0 {
		if ownSigned == 0 {
			rep.add(Problem{Attack: AttackMissingCheckpoint, Position: anchor.First, Msg: "the log has records but no checkpoint of its own signed by the key"})
		} else if ownLatest < total {
			r := recs[max(ownLatest, anchor.First)-anchor.First]
			if !r.time.IsZero() && opts.Now().Sub(r.time) > opts.MaxUnsealed {
				rep.add(Problem{Attack: AttackMissingCheckpoint, Position: ownLatest,
					Msg: fmt.Sprintf("%d records after the last checkpoint (size %d), the oldest from %s: the heartbeat should have sealed them", total-ownLatest, ownLatest, r.time.UTC().Format(time.RFC3339))})
			}
		}
	}
	return rep, nil
}

// scanSegments reads every record of every segment in order.
func scanSegments(dir string, segs []segment, first int64, rep *VerifyReport) ([]scanned, error) {
	var recs []scanned
	for k, s := range segs {
		if k+1 < len(segs) && segs[k+1].First <= first {
			continue // left by a prune that was interrupted
		}
		pos := first + int64(len(recs))
		if s.First < first {
			rep.add(Problem{Attack: AttackInserted, Position: pos, File: s.Name, Msg: "segment starts before the pruned point"})
		} else if s.First > pos {
			rep.add(Problem{Attack: AttackDeleted, Position: pos, File: s.Name,
				Msg: fmt.Sprintf("segment starts at record %d but the segments before end at %d", s.First, pos)})
		} else if s.First < pos {
			rep.add(Problem{Attack: AttackInserted, Position: s.First, File: s.Name,
				Msg: fmt.Sprintf("segment starts at record %d but the segments before hold %d records", s.First, pos)})
		}
		f, err := os.Open(filepath.Join(dir, s.Name))
		if err != nil {
			return nil, fmt.Errorf("reading segment: %w", err)
		}
		lr := newLineReader(f)
		for {
			line, torn, err := lr.next()
			if errors.Is(err, io.EOF) {
				if torn > 0 {
					rep.add(Problem{Attack: AttackTruncated, Position: first + int64(len(recs)), File: s.Name,
						Msg: fmt.Sprintf("%d bytes of a torn last line (a crash; the writer cuts them at its next open)", torn)})
				}
				break
			}
			if err != nil {
				f.Close()
				return nil, fmt.Errorf("segment %s: %w", s.Name, err)
			}
			r := scanned{claimed: -1, leaf: tlog.RecordHash(line)}
			if i, t, ok := quickIndex(line); ok {
				r.claimed, r.time = i, t
			} else if i, rec, err := ParseRecord(line); err == nil {
				r.claimed, r.time = i, rec.Time
			}
			recs = append(recs, r)
		}
		f.Close()
	}
	return recs, nil
}

// recompute builds the tree from the anchor and the leaves, noting the
// root at each wanted size.
func recompute(anchor pruned, recs []scanned, want map[int64]tlog.Hash) (map[int64]tlog.Hash, tlog.Hash, error) {
	rf := &compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}
	r, err := rf.NewRange(0, uint64(anchor.First), anchor.Hashes)
	if err != nil {
		return nil, tlog.Hash{}, fmt.Errorf("pruned anchor: %w", err)
	}
	rootOf := func() tlog.Hash {
		var h tlog.Hash
		if b, err := r.GetRootHash(nil); err == nil && b != nil {
			copy(h[:], b)
		}
		return h
	}
	if _, ok := want[anchor.First]; ok {
		want[anchor.First] = rootOf()
	}
	for k := range recs {
		leaf := recs[k].leaf
		if err := r.Append(leaf[:], nil); err != nil {
			return nil, tlog.Hash{}, err
		}
		if _, ok := want[int64(r.End())]; ok {
			want[int64(r.End())] = rootOf()
		}
	}
	return want, rootOf(), nil
}

// classifyIndexes compares the index written in each record with its
// position.
func classifyIndexes(recs []scanned, base int64, rep *VerifyReport) {
	n := int64(len(recs))
	where := make([]int32, n) // 1+position of the first record claiming index base+k
	for p, r := range recs {
		k := r.claimed - base
		if k >= 0 && k < n && where[k] == 0 {
			where[k] = int32(p + 1)
		}
	}
	seen := make([]bool, n)
	expect := base
	found := 0
	report := func(f Problem) {
		if found < maxFindings {
			rep.add(f)
		}
		found++
	}
	for p := int64(0); p < n; p++ {
		idx := recs[p].claimed
		pos := base + p
		switch {
		case idx < 0:
			kind, msg := AttackModified, "record does not parse"
			if p+1 < n && recs[p+1].claimed == expect {
				kind, msg = AttackInserted, "a line that is not a record was inserted"
			}
			report(Problem{Attack: kind, Position: pos, Msg: msg})
			if kind == AttackModified {
				expect++
			}
			continue
		case idx == expect:
		case idx > expect:
			if k := expect - base; k < n && where[k] > int32(p+1) {
				report(Problem{Attack: AttackReordered, Position: pos,
					Msg: fmt.Sprintf("record %d appears after record %d", expect, idx)})
			} else {
				report(Problem{Attack: AttackDeleted, Position: pos,
					Msg: fmt.Sprintf("records %d to %d are missing", expect, idx-1)})
			}
		default: // idx < expect
			if k := idx - base; k >= 0 && k < n && seen[k] {
				report(Problem{Attack: AttackInserted, Position: pos,
					Msg: fmt.Sprintf("a second record claims index %d", idx)})
				continue
			}
			if k := idx - base; k >= 0 && k < n {
				seen[k] = true
			}
			continue // the moved record of a reorder, already named
		}
		if k := idx - base; k >= 0 && k < n {
			seen[k] = true
		}
		expect = idx + 1
	}
}

// locateModified compares each record's leaf hash with the one the writer
// stored in tree.hashes and returns the first position that differs, or
// -1 (no side file, or an attacker rewrote it too).
func locateModified(dir string, recs []scanned, base int64, rep *VerifyReport) int64 {
	f, err := os.Open(filepath.Join(dir, hashesName))
	if err != nil {
		return -1
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.Size() > 1<<31 {
		return -1
	}
	b := make([]byte, st.Size())
	if _, err := io.ReadFull(f, b); err != nil {
		return -1
	}
	for p := range recs {
		i := base + int64(p)
		x := tlog.StoredHashIndex(0, i)
		if (x+1)*tlog.HashSize > int64(len(b)) {
			return -1
		}
		var h tlog.Hash
		copy(h[:], b[x*tlog.HashSize:])
		if h != recs[p].leaf {
			if recs[p].claimed >= 0 && recs[p].claimed != i {
				return -1 // an index anomaly, already named
			}
			return i
		}
	}
	return -1
}
