package interp

// The resolution cache, in memory and on disk. An entry is found by its
// key (the name, the candidate file's identity, and for a pyenv shim what
// selects the version) and trusted only while the files it was built from
// still have the identity recorded (binary, lib-dynload folder). Anything
// unreadable, from another format, or stale is ignored and rewritten.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// cacheFormat changes whenever Runtime or the resolution rules change, so
// an older cordon's entries are rebuilt rather than trusted.
const cacheFormat = "cordon-interp-cache-5"

// CacheDir returns the per-user folder for cached resolutions:
// $XDG_STATE_HOME/cordon/interp, else /var/lib/cordon/interp for root,
// else ~/.local/state/cordon/interp. "" when none can be found.
func CacheDir() string {
	if d := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "cordon", "interp")
	}
	if os.Geteuid() == 0 {
		return "/var/lib/cordon/interp"
	}
	if h, err := os.UserHomeDir(); err == nil && filepath.IsAbs(h) {
		return filepath.Join(h, ".local", "state", "cordon", "interp")
	}
	return ""
}

// Resolver resolves interpreters with caching. The zero value resolves
// every time; the package-level [Resolve] uses memory and disk caches.
// Safe for concurrent use.
type Resolver struct {
	// CacheDir returns the on-disk cache folder; nil or "" disables it.
	CacheDir func() string
	// Memory keeps results in memory for this process.
	Memory bool

	mu  sync.Mutex
	mem map[string]*cacheEntry
}

// fileID identifies one version of a file.
type fileID struct {
	Dev   uint64 `json:"dev"`
	Ino   uint64 `json:"ino"`
	Size  int64  `json:"size"`
	Mtime int64  `json:"mtime_ns"`
}

// check is a file whose identity a cache entry depends on.
type check struct {
	Path string `json:"path"`
	ID   fileID `json:"id"`
}

type cacheEntry struct {
	Format  string   `json:"format"`
	Key     string   `json:"key"`
	Checks  []check  `json:"checks"`
	Runtime *Runtime `json:"runtime"`
}

// valid reports whether every checked file still has its recorded identity.
func (e *cacheEntry) valid(key string) bool {
	if e == nil || e.Format != cacheFormat || e.Key != key || e.Runtime == nil || e.Runtime.Path == "" {
		return false
	}
	for _, c := range e.Checks {
		id, err := statID(c.Path)
		if err != nil || id != c.ID {
			return false
		}
	}
	return true
}

// Resolve finds the interpreter for name ("python3" on PATH, or an
// absolute path) and what a sandbox needs to run it.
func (r *Resolver) Resolve(ctx context.Context, name string) (*Runtime, error) {
	candidate, err := findCandidate(name)
	if err != nil {
		return nil, err
	}
	key, err := cacheKey(name, candidate)
	if err != nil {
		return nil, fmt.Errorf("interpreter %s: %w", candidate, err)
	}
	if r.Memory {
		r.mu.Lock()
		e := r.mem[key]
		r.mu.Unlock()
		if e.valid(key) {
			return e.Runtime.Clone(), nil
		}
	}
	dir := ""
	if r.CacheDir != nil {
		dir = r.CacheDir()
	}
	file := ""
	if dir != "" {
		sum := sha256.Sum256([]byte(key))
		file = filepath.Join(dir, hex.EncodeToString(sum[:12])+".json")
		if e := readEntry(file); e.valid(key) {
			r.remember(key, e)
			return e.Runtime.Clone(), nil
		}
	}
	rt, err := build(ctx, name, candidate)
	if err != nil {
		return nil, err
	}
	e := &cacheEntry{Format: cacheFormat, Key: key, Runtime: rt}
	// A package installed or removed changes its site folder's mtime.
	for _, p := range append(append([]string{rt.Path}, rt.LibDirs...), rt.SiteDirs...) {
		id, err := statID(p)
		if err != nil {
			return nil, fmt.Errorf("interpreter %s: %w", p, err)
		}
		e.Checks = append(e.Checks, check{p, id})
	}
	r.remember(key, e)
	if file != "" {
		// The cache only saves time: failing to write it (read-only
		// home, full disk) must not fail the run.
		_ = writeEntry(file, e)
	}
	return rt.Clone(), nil
}

func (r *Resolver) remember(key string, e *cacheEntry) {
	if !r.Memory {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.mem == nil {
		r.mem = map[string]*cacheEntry{}
	}
	r.mem[key] = e
}

// readEntry reads a cache entry, trusting it only when it and its folder
// belong to this user and nobody else may write them: an entry decides
// which host paths a sandbox binds, so one planted by another user (say
// through a shared XDG_STATE_HOME) must not be believed.
func readEntry(file string) *cacheEntry {
	if !ownedPrivately(filepath.Dir(file)) {
		return nil
	}
	f, err := os.Open(file)
	if err != nil {
		return nil
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !privateFile(fi) {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(f, 4<<20))
	if err != nil {
		return nil
	}
	var e cacheEntry
	if json.Unmarshal(b, &e) != nil {
		return nil
	}
	return &e
}

// writeEntry writes atomically: a temp file in the same folder, renamed.
func writeEntry(file string, e *cacheEntry) error {
	dir := filepath.Dir(file)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if !ownedPrivately(dir) {
		// A folder of ours that others may write: make it private, or
		// give up (readEntry would not believe what is in it anyway).
		if err := os.Chmod(dir, 0o700); err != nil || !ownedPrivately(dir) {
			return fmt.Errorf("cache folder %s is not private to this user", dir)
		}
	}
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	_, werr := f.Write(b)
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(f.Name(), file)
	}
	if werr != nil {
		os.Remove(f.Name())
	}
	return werr
}

// cacheKey names what a resolution of name through candidate depends on.
func cacheKey(name, candidate string) (string, error) {
	id, err := statID(candidate)
	if err != nil {
		return "", err
	}
	k := fmt.Sprintf("%s\x00%s\x00%d:%d:%d:%d", name, candidate, id.Dev, id.Ino, id.Size, id.Mtime)
	if isPyenvShim(candidate) {
		k += "\x00" + pyenvSelection(candidate)
	}
	return k, nil
}
