package audit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/cordonsec/cordon/policy"
)

// Entry is where a record landed: its leaf index and leaf hash.
type Entry struct {
	Index int64     `json:"index"`
	Hash  tlog.Hash `json:"hash"`
}

// ErrClosed is returned by a Log used after Close.
var ErrClosed = errors.New("audit log is closed")

// ErrTampered is returned by Open when the records do not match the log's
// own last checkpoint: the writer refuses to extend a log it cannot vouch
// for (run `cordon audit verify` to see what changed).
var ErrTampered = errors.New("audit log does not match its last checkpoint")

// Log is an open audit log. It is safe for concurrent use, and several
// processes may hold the same directory open.
type Log struct {
	opts     Options
	signer   note.Signer
	verifier note.Verifier

	mu      sync.Mutex // guards everything below; taken before syncMu
	syncMu  sync.Mutex // guards seg and hashes against swap during fsync
	lockf   *os.File
	seg     *os.File
	segInfo segment
	segSize int64
	// segStart is the time of the segment's first record (for RotateAge).
	segStart time.Time
	hashes   hashFile
	n        int64 // records in the log
	lastCP   Checkpoint
	bgErr    error // first background error not yet reported
	failed   error // sticky: a write or fsync failed, the handle is unusable
	closed   bool

	commit *committer
	stop   chan struct{}
	done   sync.WaitGroup

	pendingWitness *witnessCopy // signed under the lock, sent after it
	witnessQ       chan *witnessCopy
	wqMu           sync.Mutex // guards sends on witnessQ against its close
	wqClosed       bool
	witnessDone    sync.WaitGroup
	closing        bool // Close has begun: no more appends
}

// Open opens (creating if needed) the log in opts.Dir, repairing a torn
// tail left by a crash, and starts the heartbeat checkpointer.
func Open(opts Options) (*Log, error) {
	opts.fill()
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("audit dir: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(opts.Dir, checkpointsDir), 0o700); err != nil {
		return nil, fmt.Errorf("audit dir: %w", err)
	}
	// The entries just made must survive a crash too.
	if err := syncDir(opts.Dir); err != nil {
		return nil, fmt.Errorf("audit dir: %w", err)
	}
	l := &Log{opts: opts, stop: make(chan struct{})}
	lf, err := os.OpenFile(filepath.Join(opts.Dir, "lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit lock file: %w", err)
	}
	l.lockf = lf
	if err := flock(lf, true); err != nil {
		lf.Close()
		return nil, fmt.Errorf("locking audit log %s: %w", opts.Dir, err)
	}
	err = l.openLocked()
	if uerr := flock(lf, false); err == nil && uerr != nil {
		err = fmt.Errorf("unlocking audit log: %w", uerr)
	}
	if err != nil {
		l.closeFiles()
		return nil, err
	}
	if opts.Fsync == policy.FsyncGroup {
		l.commit = newCommitter(l.syncFiles, opts.GroupDelay)
	}
	l.witnessQ = make(chan *witnessCopy, 16)
	l.witnessDone.Add(1)
	go l.witnessLoop()
	// Seal what a previous process left unsealed (a crash, a repair).
	if l.n > l.lastCP.Size {
		if err := l.Checkpoint(context.Background()); err != nil {
			l.Close()
			return nil, err
		}
	}
	l.done.Add(1)
	go l.heartbeat()
	return l, nil
}

func (l *Log) openLocked() error {
	if err := l.loadKey(); err != nil {
		return err
	}
	rep, err := l.reload()
	if err != nil {
		return err
	}
	if rep != nil {
		if _, err := l.appendLocked(&Record{Kind: KindLogRepaired, Time: l.opts.Now(), Repair: rep}); err != nil {
			return fmt.Errorf("recording repair: %w", err)
		}
		if err := l.syncFiles(); err != nil {
			return err
		}
	}
	return nil
}

func (l *Log) loadKey() error {
	_, err := os.Lstat(l.opts.SigningKey)
	if errors.Is(err, os.ErrNotExist) && l.opts.SigningKey == filepath.Join(l.opts.Dir, "checkpoint.key") {
		pub := filepath.Join(l.opts.Dir, "checkpoint.pub")
		if _, err := GenerateKey(l.opts.KeyName, l.opts.SigningKey, pub); err != nil {
			return err
		}
	}
	s, err := LoadSigner(l.opts.SigningKey)
	if err != nil {
		return err
	}
	v, err := verifierOf(l.opts.SigningKey)
	if err != nil {
		return err
	}
	l.signer, l.verifier = s, v
	return nil
}

// verifierOf derives the verifier key of a signing key file.
func verifierOf(file string) (note.Verifier, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	vkey, err := verifierKeyOf(string(b))
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", file, err)
	}
	return note.NewVerifier(vkey)
}

// reload reads the state of the directory from disk (another process may
// have moved it), cutting a torn tail and fixing the hash file. It returns
// what it repaired, or nil. The flock is held.
func (l *Log) reload() (*Repair, error) {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	dir := l.opts.Dir
	segs, err := listSegments(dir)
	if err != nil {
		return nil, err
	}
	if len(segs) == 0 {
		if err := writeNew(filepath.Join(dir, segName(0)), nil, 0o600); err != nil && !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("creating first segment: %w", err)
		}
		segs = []segment{{Name: segName(0), First: 0}}
	}
	last := segs[len(segs)-1]
	if l.seg == nil || l.segInfo != last {
		f, err := os.OpenFile(filepath.Join(dir, last.Name), os.O_RDWR, 0)
		if err != nil {
			return nil, fmt.Errorf("opening segment: %w", err)
		}
		if l.seg != nil {
			l.seg.Close()
		}
		l.seg, l.segInfo, l.segStart = f, last, time.Time{}
	}
	st, err := l.seg.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	cut, lastLine, err := tailOf(l.seg, size)
	if err != nil {
		return nil, fmt.Errorf("segment %s: %w", last.Name, err)
	}
	var rep *Repair
	if cut < size {
		// A torn last line: a writer died mid-record. Cut it off.
		if err := l.seg.Truncate(cut); err != nil {
			return nil, fmt.Errorf("cutting torn tail of %s: %w", last.Name, err)
		}
		if err := l.seg.Sync(); err != nil {
			return nil, fmt.Errorf("cutting torn tail of %s: %w", last.Name, err)
		}
		rep = &Repair{Segment: last.Name, Offset: cut, BytesDropped: size - cut}
	}
	l.segSize = cut
	n := last.First
	if lastLine != nil {
		idx, _, ok := quickIndex(lastLine)
		if !ok {
			i, _, err := ParseRecord(lastLine)
			if err != nil {
				return nil, fmt.Errorf("%w: last record of %s: %v", ErrCorrupt, last.Name, err)
			}
			idx = i
		}
		if idx < last.First {
			return nil, fmt.Errorf("%w: last record of %s has index %d", ErrCorrupt, last.Name, idx)
		}
		n = idx + 1
	}
	if lastLine == nil && len(segs) > 1 {
		// A fresh segment (rotation just happened, or a writer died
		// right after it): the last record is the previous segment's.
		prev := segs[len(segs)-2]
		pf, err := os.Open(filepath.Join(dir, prev.Name))
		if err != nil {
			return nil, fmt.Errorf("opening segment: %w", err)
		}
		pst, err := pf.Stat()
		if err == nil {
			_, lastLine, err = tailOf(pf, pst.Size())
		}
		pf.Close()
		if err != nil {
			return nil, fmt.Errorf("segment %s: %w", prev.Name, err)
		}
	}
	if l.segStart.IsZero() && cut > 0 {
		l.segStart = l.segFirstTime()
	}
	if l.hashes.f == nil {
		f, err := os.OpenFile(filepath.Join(dir, hashesName), os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("opening %s: %w", hashesName, err)
		}
		l.hashes.f = f
	}
	hst, err := l.hashes.f.Stat()
	if err != nil {
		return nil, err
	}
	l.hashes.size = hst.Size()
	fixed, err := l.fixHashes(segs, n, lastLine)
	if err != nil {
		return nil, err
	}
	l.n = n
	cp, err := l.latestCheckpoint()
	if err != nil {
		return nil, err
	}
	if cp.Size > n {
		return nil, fmt.Errorf("%w: it holds %d records, the checkpoint of size %d says more", ErrTampered, n, cp.Size)
	}
	if cp.Size > 0 {
		root, err := tlog.TreeHash(cp.Size, &l.hashes)
		if err != nil {
			return nil, err
		}
		if root != cp.Hash && !fixed {
			// The side file may be stale; recompute it from the records.
			if err := l.rebuildHashes(segs, 0, n); err != nil {
				return nil, err
			}
			fixed = true
			root, err = tlog.TreeHash(cp.Size, &l.hashes)
			if err != nil {
				return nil, err
			}
		}
		if root != cp.Hash {
			return nil, fmt.Errorf("%w: the root of the first %d records differs from the signed one", ErrTampered, cp.Size)
		}
	}
	l.lastCP = cp
	if fixed && rep == nil {
		rep = &Repair{Segment: last.Name, Offset: cut}
	}
	if rep != nil {
		rep.HashesFixed = fixed
	}
	return rep, nil
}

// fixHashes makes the hash file hold exactly the stored hashes of n
// records, recomputing what is missing; it reports whether it changed it.
func (l *Log) fixHashes(segs []segment, n int64, lastLine []byte) (bool, error) {
	want := tlog.StoredHashCount(n) * tlog.HashSize
	if l.hashes.size == want {
		if n == 0 {
			return false, nil
		}
		h, err := l.hashes.leaf(n - 1)
		if err != nil {
			return false, err
		}
		if h == tlog.RecordHash(lastLine) {
			return false, nil
		}
		return true, l.rebuildHashes(segs, 0, n)
	}
	k := recordsCovered(l.hashes.size, n)
	if k > 0 {
		// Check the last kept leaf; if it is wrong start over.
		if err := l.hashes.truncate(tlog.StoredHashCount(k) * tlog.HashSize); err != nil {
			return false, err
		}
	}
	return true, l.rebuildHashes(segs, k, n)
}

// rebuildHashes recomputes the stored hashes of records [from, n).
func (l *Log) rebuildHashes(segs []segment, from, n int64) error {
	anchor, err := readPruned(l.opts.Dir)
	if err != nil {
		return err
	}
	from = max(from, anchor.First)
	if err := l.hashes.truncate(tlog.StoredHashCount(from) * tlog.HashSize); err != nil {
		return err
	}
	err = readLines(l.opts.Dir, segs, from, func(i int64, line []byte) error {
		if i >= n {
			return io.EOF
		}
		_, err := l.hashes.addRecord(i, line)
		return err
	})
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("rebuilding %s: %w", hashesName, err)
	}
	if got := l.hashes.count(); got != tlog.StoredHashCount(n) {
		return fmt.Errorf("%w: records are missing before index %d", ErrCorrupt, n)
	}
	return l.hashes.f.Sync()
}

// segFirstTime is the time of the current segment's first record.
func (l *Log) segFirstTime() time.Time {
	lr := newLineReader(io.NewSectionReader(l.seg, 0, l.segSize))
	line, _, err := lr.next()
	if err != nil {
		return time.Time{}
	}
	_, t, ok := quickIndex(line)
	if !ok {
		return time.Time{}
	}
	return t
}

// Append writes rec as the next leaf. A run-start record (or one with
// Durable set) is on disk when Append returns; if it cannot be, Append
// fails and the run must not start.
func (l *Log) Append(ctx context.Context, rec Record) (Entry, error) {
	if err := ctx.Err(); err != nil {
		return Entry{}, err
	}
	if rec.Time.IsZero() {
		rec.Time = l.opts.Now()
	}
	if err := rec.validate(); err != nil {
		return Entry{}, err
	}
	l.mu.Lock()
	if err := l.usable(); err != nil {
		l.mu.Unlock()
		return Entry{}, err
	}
	if err := flock(l.lockf, true); err != nil {
		l.mu.Unlock()
		return Entry{}, fmt.Errorf("locking audit log: %w", err)
	}
	ent, err := l.appendFresh(&rec)
	var seq uint64
	if err == nil && l.commit != nil {
		seq = l.commit.written()
	}
	if err == nil && l.opts.Fsync != policy.FsyncGroup {
		err = l.syncFiles()
	}
	var cpErr error
	if err == nil && l.n-l.lastCP.Size >= int64(l.opts.CheckpointEvery) {
		cpErr = l.checkpointLocked()
	}
	if uerr := flock(l.lockf, false); err == nil && uerr != nil {
		err = fmt.Errorf("unlocking audit log: %w", uerr)
	}
	if cpErr != nil {
		l.noteBackground(cpErr)
	}
	w := l.pendingWitness
	l.pendingWitness = nil
	l.mu.Unlock()
	if w != nil {
		l.queueWitness(w)
	}
	if err != nil {
		return Entry{}, err
	}
	if l.commit != nil && (rec.Kind == KindRunStart || rec.Durable) {
		if err := l.commit.wait(seq); err != nil {
			return Entry{}, err
		}
	}
	return ent, nil
}

func (l *Log) usable() error { return l.usableFor(false) }

// usableFor is usable; closing lets Close's own final checkpoint through.
func (l *Log) usableFor(closing bool) error {
	if l.closed || l.closing && !closing {
		return ErrClosed
	}
	if l.failed != nil {
		return fmt.Errorf("audit log unusable after an earlier failure: %w", l.failed)
	}
	if l.commit != nil {
		if err := l.commit.failure(); err != nil {
			l.failed = err
			return fmt.Errorf("audit log unusable after a failed group fsync: %w", err)
		}
	}
	return nil
}

// appendFresh brings the state up to date with the directory and appends.
// l.mu and the flock are held.
func (l *Log) appendFresh(rec *Record) (Entry, error) {
	stale, err := l.stale()
	if err != nil {
		return Entry{}, err
	}
	if stale {
		rep, err := l.reload()
		if err != nil {
			return Entry{}, err
		}
		if rep != nil {
			if _, err := l.appendLocked(&Record{Kind: KindLogRepaired, Time: l.opts.Now(), Repair: rep}); err != nil {
				return Entry{}, err
			}
		}
	}
	return l.appendLocked(rec)
}

// stale reports whether another process changed the log since we last
// looked: the hash file or segment grew or shrank, or a newer segment
// exists.
func (l *Log) stale() (bool, error) {
	hst, err := l.hashes.f.Stat()
	if err != nil {
		return false, err
	}
	sst, err := l.seg.Stat()
	if err != nil {
		return false, err
	}
	if hst.Size() != l.hashes.size || sst.Size() != l.segSize {
		return true, nil
	}
	if l.segInfo.First != l.n {
		if _, err := os.Lstat(filepath.Join(l.opts.Dir, segName(l.n))); err == nil {
			return true, nil
		}
	}
	return false, nil
}

// appendLocked writes one record at index l.n. On failure nothing of the
// record stays in the files.
func (l *Log) appendLocked(rec *Record) (Entry, error) {
	if err := l.maybeRotate(rec.Time); err != nil {
		return Entry{}, err
	}
	data, err := marshalRecord(l.n, rec)
	if err != nil {
		return Entry{}, err
	}
	buf := make([]byte, len(data)+1)
	copy(buf, data)
	buf[len(data)] = '\n'
	oldSeg, oldHashes := l.segSize, l.hashes.size
	undo := func(cause error) error {
		// Best effort: leave no partial record behind. If even this
		// fails the next open cuts the torn tail.
		terr := l.seg.Truncate(oldSeg)
		herr := l.hashes.truncate(oldHashes)
		if terr != nil || herr != nil {
			l.failed = cause
		}
		return cause
	}
	if _, err := l.seg.WriteAt(buf, l.segSize); err != nil {
		return Entry{}, undo(fmt.Errorf("writing audit record to %s: %w", l.segInfo.Name, err))
	}
	h, err := l.hashes.addRecord(l.n, data)
	if err != nil {
		return Entry{}, undo(fmt.Errorf("audit tree: %w", err))
	}
	if l.segSize == 0 {
		l.segStart = rec.Time
	}
	l.segSize += int64(len(buf))
	ent := Entry{Index: l.n, Hash: h}
	l.n++
	return ent, nil
}

// syncFiles fsyncs the current segment and the hash file.
func (l *Log) syncFiles() error {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	if l.seg == nil {
		return ErrClosed
	}
	if err := l.seg.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", l.segInfo.Name, err)
	}
	if err := l.hashes.f.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", hashesName, err)
	}
	return nil
}

// Size returns the number of records as this handle last saw it.
func (l *Log) Size() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

// Dir returns the log's directory.
func (l *Log) Dir() string { return l.opts.Dir }

// Verifier returns the verifier key of the log's signing key.
func (l *Log) Verifier() note.Verifier { return l.verifier }

func (l *Log) noteBackground(err error) {
	if l.opts.OnError != nil {
		l.opts.OnError(err)
	}
	if l.bgErr == nil {
		l.bgErr = err
	}
}

// Close writes a final checkpoint, flushes and closes the log. Appends
// racing with Close fail with ErrClosed.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed || l.closing {
		l.mu.Unlock()
		return nil
	}
	l.closing = true
	l.mu.Unlock()
	close(l.stop)
	l.done.Wait()
	err := l.checkpoint(context.Background(), true)
	l.wqMu.Lock()
	if l.witnessQ != nil && !l.wqClosed {
		l.wqClosed = true
		close(l.witnessQ)
	}
	l.wqMu.Unlock()
	l.witnessDone.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	if l.commit != nil {
		l.commit.close()
	}
	if serr := l.syncFiles(); err == nil && serr != nil {
		err = serr
	}
	if err == nil && l.bgErr != nil {
		err = l.bgErr
	}
	l.closeFiles()
	return err
}

// queueWitness hands a signed checkpoint to the witness goroutine (or,
// once it stopped, sends it here).
func (l *Log) queueWitness(w *witnessCopy) {
	l.wqMu.Lock()
	defer l.wqMu.Unlock()
	if !l.wqClosed && l.witnessQ != nil {
		l.witnessQ <- w
		return
	}
	if err := sendWitness(l.opts.Witness, w.c, w.msg); err != nil {
		l.mu.Lock()
		l.noteBackground(fmt.Errorf("witness %s: %w", l.opts.Witness, err))
		l.mu.Unlock()
	}
}

func (l *Log) closeFiles() {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	if l.seg != nil {
		l.seg.Close()
		l.seg = nil
	}
	if l.hashes.f != nil {
		l.hashes.f.Close()
		l.hashes.f = nil
	}
	if l.lockf != nil {
		l.lockf.Close()
		l.lockf = nil
	}
}
