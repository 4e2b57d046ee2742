package audit

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/tlog"
)

const prunedName = "pruned"

// pruned is what retention removed: records [0, First) are gone, and
// Hashes is the compact range of their subtree roots, so the tree still
// recomputes (and a forged anchor fails against every later checkpoint).
type pruned struct {
	First  int64
	Hashes [][]byte
}

type prunedFile struct {
	First  int64    `json:"first"`
	Hashes []string `json:"hashes"`
}

func readPruned(dir string) (pruned, error) {
	b, err := os.ReadFile(filepath.Join(dir, prunedName))
	if errors.Is(err, os.ErrNotExist) {
		return pruned{}, nil
	}
	if err != nil {
		return pruned{}, fmt.Errorf("reading %s: %w", prunedName, err)
	}
	var pf prunedFile
	if err := json.Unmarshal(b, &pf); err != nil {
		return pruned{}, fmt.Errorf("%w: %s: %v", ErrCorrupt, prunedName, err)
	}
	p := pruned{First: pf.First}
	for _, s := range pf.Hashes {
		h, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(h) != 32 {
			return pruned{}, fmt.Errorf("%w: %s: bad hash", ErrCorrupt, prunedName)
		}
		p.Hashes = append(p.Hashes, h)
	}
	return p, nil
}

func writePruned(dir string, p pruned) error {
	pf := prunedFile{First: p.First}
	for _, h := range p.Hashes {
		pf.Hashes = append(pf.Hashes, base64.StdEncoding.EncodeToString(h))
	}
	b, err := json.Marshal(pf)
	if err != nil {
		return err
	}
	return writeAtomic(dir, prunedName, append(b, '\n'))
}

// ErrNotVerified is returned by Prune when the log does not verify clean:
// retention never deletes what has not been verified and checkpointed.
var ErrNotVerified = errors.New("audit log does not verify; nothing pruned")

// Prune deletes the oldest segments whose records are all older than
// before, keeping the current one. It first seals every record with a
// checkpoint and verifies the whole log; it deletes only segments covered
// by that checkpoint, and keeps in the "pruned" file the subtree hashes
// the tree needs so verify still recomputes every later root. It returns
// the names of the deleted segments.
func (l *Log) Prune(ctx context.Context, before time.Time) ([]string, error) {
	removed, err := l.prune(ctx, before)
	l.mu.Lock()
	w := l.pendingWitness
	l.pendingWitness = nil
	l.mu.Unlock()
	if w != nil {
		if werr := sendWitness(l.opts.Witness, w.c, w.msg); err == nil && werr != nil {
			err = fmt.Errorf("witness %s: %w", l.opts.Witness, werr)
		}
	}
	return removed, err
}

func (l *Log) prune(ctx context.Context, before time.Time) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.usable(); err != nil {
		return nil, err
	}
	if err := flock(l.lockf, true); err != nil {
		return nil, fmt.Errorf("locking audit log: %w", err)
	}
	defer flock(l.lockf, false)
	if err := l.refreshLocked(); err != nil {
		return nil, err
	}
	if err := l.checkpointLocked(); err != nil {
		return nil, err
	}
	rep, err := Verify(l.opts.Dir, VerifyOptions{Key: l.verifier, MaxUnsealed: -1})
	if err != nil {
		return nil, err
	}
	if !rep.Clean() {
		return nil, fmt.Errorf("%w: %s", ErrNotVerified, rep.Findings[0])
	}
	segs, err := listSegments(l.opts.Dir)
	if err != nil {
		return nil, err
	}
	anchor, err := readPruned(l.opts.Dir)
	if err != nil {
		return nil, err
	}
	keep := 0
	for k := 0; k+1 < len(segs); k++ {
		end := segs[k+1].First
		if end <= anchor.First {
			keep = k + 1 // left over from an interrupted prune
			continue
		}
		if end > l.lastCP.Size || end > rep.Sealed {
			break
		}
		last, err := l.lastRecordTime(segs[k])
		if err != nil {
			return nil, err
		}
		if !last.Before(before) {
			break
		}
		keep = k + 1
	}
	if keep == 0 {
		return nil, nil
	}
	first := segs[keep].First
	if first > anchor.First {
		next, err := l.anchorAt(segs[keep:], first)
		if err != nil {
			return nil, err
		}
		if err := writePruned(l.opts.Dir, next); err != nil {
			return nil, fmt.Errorf("writing %s: %w", prunedName, err)
		}
	}
	var removed []string
	for _, s := range segs[:keep] {
		if err := os.Remove(filepath.Join(l.opts.Dir, s.Name)); err != nil {
			return removed, fmt.Errorf("pruning: %w", err)
		}
		removed = append(removed, s.Name)
	}
	return removed, syncDir(l.opts.Dir)
}

func (l *Log) lastRecordTime(s segment) (time.Time, error) {
	f, err := os.Open(filepath.Join(l.opts.Dir, s.Name))
	if err != nil {
		return time.Time{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return time.Time{}, err
	}
	_, line, err := tailOf(f, st.Size())
	if err != nil || line == nil {
		return time.Time{}, fmt.Errorf("%w: segment %s has no last record", ErrCorrupt, s.Name)
	}
	_, t, ok := quickIndex(line)
	if !ok {
		_, rec, err := ParseRecord(line)
		if err != nil {
			return time.Time{}, err
		}
		t = rec.Time
	}
	return t, nil
}

// anchorAt reads the compact range of [0, first) from the hash file and
// checks it: with the kept records it must give the last checkpoint's
// root.
func (l *Log) anchorAt(kept []segment, first int64) (pruned, error) {
	var p pruned
	p.First = first
	var start int64
	for lvl := 62; lvl >= 0; lvl-- {
		if first&(1<<lvl) == 0 {
			continue
		}
		hs, err := l.hashes.ReadHashes([]int64{tlog.StoredHashIndex(lvl, start>>lvl)})
		if err != nil {
			return pruned{}, err
		}
		p.Hashes = append(p.Hashes, hs[0][:])
		start += 1 << lvl
	}
	rf := &compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}
	r, err := rf.NewRange(0, uint64(first), p.Hashes)
	if err != nil {
		return pruned{}, err
	}
	size := l.lastCP.Size
	err = readLines(l.opts.Dir, kept, first, func(i int64, line []byte) error {
		if i >= size {
			return io.EOF
		}
		h := tlog.RecordHash(line)
		return r.Append(h[:], nil)
	})
	if err != nil && !errors.Is(err, io.EOF) {
		return pruned{}, err
	}
	root, err := r.GetRootHash(nil)
	if err != nil || int64(r.End()) != size || !bytes.Equal(root, l.lastCP.Hash[:]) {
		return pruned{}, fmt.Errorf("%w: the kept records and stored hashes do not give the checkpointed root", ErrNotVerified)
	}
	return p, nil
}
