package audit

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// maybeRotate starts a new segment, named by the next index, when the
// current one reached RotateSize or RotateAge. The tree does not notice:
// it is one tree across all segments. l.mu and the flock are held.
func (l *Log) maybeRotate(now time.Time) error {
	if l.segSize == 0 {
		return nil
	}
	full := l.segSize >= l.opts.RotateSize
	old := !l.segStart.IsZero() && now.Sub(l.segStart) >= l.opts.RotateAge
	if !full && !old {
		return nil
	}
	name := segName(l.n)
	path := filepath.Join(l.opts.Dir, name)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("rotating audit segment: %w", err)
	}
	if err := syncDir(l.opts.Dir); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("rotating audit segment: %w", err)
	}
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	if err := l.seg.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("fsync %s: %w", l.segInfo.Name, err)
	}
	l.seg.Close()
	l.seg, l.segInfo, l.segSize, l.segStart = f, segment{Name: name, First: l.n}, 0, time.Time{}
	return nil
}
