package audit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

const (
	checkpointsDir = "checkpoints"
	ckptSuffix     = ".ckpt"
)

func ckptName(size int64) string { return fmt.Sprintf("%016d%s", size, ckptSuffix) }

// listCheckpointFiles returns the checkpoint files of dir, by the size in
// their name.
func listCheckpointFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ckptSuffix) && e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	sort.Slice(names, func(i, j int) bool {
		a, _ := strconv.ParseInt(strings.TrimSuffix(names[i], ckptSuffix), 10, 64)
		b, _ := strconv.ParseInt(strings.TrimSuffix(names[j], ckptSuffix), 10, 64)
		if a != b {
			return a < b
		}
		return names[i] < names[j]
	})
	return names, nil
}

// latestCheckpoint returns the newest checkpoint of the log signed by its
// own key (a zero Checkpoint if there is none).
func (l *Log) latestCheckpoint() (Checkpoint, error) {
	dir := filepath.Join(l.opts.Dir, checkpointsDir)
	names, err := listCheckpointFiles(dir)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("listing checkpoints: %w", err)
	}
	if len(names) == 0 {
		return Checkpoint{}, nil
	}
	newest := names[len(names)-1]
	b, err := os.ReadFile(filepath.Join(dir, newest))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("reading checkpoint: %w", err)
	}
	c, err := OpenCheckpoint(b, l.verifier)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("%w: checkpoint %s: %v", ErrTampered, newest, err)
	}
	return c, nil
}

// Checkpoint signs the current tree head, stores it and copies it to the
// witness. It does nothing if the newest checkpoint already covers every
// record.
func (l *Log) Checkpoint(ctx context.Context) error {
	return l.checkpoint(ctx, false)
}

func (l *Log) checkpoint(ctx context.Context, closing bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.usableFor(closing); err != nil {
		return err
	}
	if err := flock(l.lockf, true); err != nil {
		return fmt.Errorf("locking audit log: %w", err)
	}
	err := l.refreshLocked()
	if err == nil {
		err = l.checkpointLocked()
	}
	if uerr := flock(l.lockf, false); err == nil && uerr != nil {
		err = uerr
	}
	// The witness copy waits for nothing of ours: other processes may
	// append meanwhile. This one is sent before Checkpoint returns.
	if w := l.pendingWitness; w != nil && err == nil {
		l.pendingWitness = nil
		err = sendWitness(l.opts.Witness, w.c, w.msg)
		if err != nil {
			err = fmt.Errorf("witness %s: %w", l.opts.Witness, err)
		}
	}
	if err == nil && l.bgErr != nil {
		err, l.bgErr = l.bgErr, nil
	}
	return err
}

// refreshLocked reloads the state if another process moved the log, and
// records a repair it made.
func (l *Log) refreshLocked() error {
	stale, err := l.stale()
	if err != nil || !stale {
		return err
	}
	rep, err := l.reload()
	if err != nil {
		return err
	}
	if rep != nil {
		_, err = l.appendLocked(&Record{Kind: KindLogRepaired, Time: l.opts.Now(), Repair: rep})
	}
	return err
}

// checkpointLocked does the work of Checkpoint; l.mu and the flock are
// held.
func (l *Log) checkpointLocked() error {
	cp, err := l.latestCheckpoint()
	if err != nil {
		return err
	}
	if cp.Size > l.lastCP.Size {
		l.lastCP = cp
	}
	if l.n == 0 || l.lastCP.Size >= l.n {
		return nil
	}
	// Records first, then the signature that vouches for them.
	if err := l.syncFiles(); err != nil {
		l.failed = err
		return err
	}
	root, err := tlog.TreeHash(l.n, &l.hashes)
	if err != nil {
		return fmt.Errorf("tree hash: %w", err)
	}
	c := Checkpoint{Origin: l.signer.Name(), Size: l.n, Hash: root, Time: l.opts.Now()}
	msg, err := SignCheckpoint(c, l.signer)
	if err != nil {
		return err
	}
	dir := filepath.Join(l.opts.Dir, checkpointsDir)
	if err := writeAtomic(dir, ckptName(c.Size), msg); err != nil {
		return fmt.Errorf("storing checkpoint: %w", err)
	}
	// Keep one checkpoint per CheckpointEvery records plus the newest,
	// so a log closed after every run does not pile up a file per run
	// (the witness keeps them all).
	every := int64(l.opts.CheckpointEvery)
	if prev := l.lastCP.Size; prev > 0 && prev/every == c.Size/every {
		if err := os.Remove(filepath.Join(dir, ckptName(prev))); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("thinning checkpoints: %w", err)
		}
	}
	l.lastCP = c
	if l.opts.Witness != "" {
		l.pendingWitness = &witnessCopy{c, msg}
	}
	return nil
}

// witnessCopy is a checkpoint waiting to be copied to the witness.
type witnessCopy struct {
	c   Checkpoint
	msg []byte
}

// witnessLoop copies the checkpoints that appends signed to the witness,
// in order, off the append path: a slow witness command must not stall
// runs. Errors go to OnError and the next Checkpoint or Close.
func (l *Log) witnessLoop() {
	defer l.witnessDone.Done()
	for w := range l.witnessQ {
		if err := sendWitness(l.opts.Witness, w.c, w.msg); err != nil {
			l.mu.Lock()
			l.noteBackground(fmt.Errorf("witness %s: %w", l.opts.Witness, err))
			l.mu.Unlock()
		}
	}
}

// writeAtomic writes name in dir through a temporary file and rename.
func writeAtomic(dir, name string, data []byte) error {
	tmp, err := os.CreateTemp(dir, ".tmp-"+name+"-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return syncDir(dir)
}

// heartbeat checkpoints unsealed records once CheckpointInterval has
// passed since the last checkpoint, so a deleted tail is never more than
// about one interval long.
func (l *Log) heartbeat() {
	defer l.done.Done()
	tick := l.opts.CheckpointInterval / 4
	if tick < 10*time.Millisecond {
		tick = 10 * time.Millisecond
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			l.beat()
		}
	}
}

// beat is one heartbeat: checkpoint if records wait and the interval
// passed.
func (l *Log) beat() {
	l.mu.Lock()
	due := l.n > l.lastCP.Size && l.opts.Now().Sub(l.lastCP.Time) >= l.opts.CheckpointInterval
	l.mu.Unlock()
	if !due {
		return
	}
	if err := l.Checkpoint(context.Background()); err != nil {
		l.mu.Lock()
		l.noteBackground(fmt.Errorf("heartbeat checkpoint: %w", err))
		l.mu.Unlock()
	}
}
