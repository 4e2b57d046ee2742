//go:build linux

package cordon

// Collecting output files after a run: the files of the work dir that the
// job's patterns (or the policy's outputs.paths) select are copied into
// Job.OutputDir once every process of the sandbox is gone. The script
// chose every name and link in the work dir, so the walk opens one path
// element at a time below the work dir's descriptor with O_NOFOLLOW
// (symlinks are listed as refused, never followed) and copies regular
// files only; the destination is an os.Root, so nothing is written
// outside OutputDir, and files are created by the supervisor, owned by
// the user who runs it. Files past the count or size cap are listed as
// refused, not dropped silently.

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/cordonsec/cordon/policy"
)

const (
	// maxOutputScan bounds the work dir entries looked at; maxOutputDepth
	// the folder depth.
	maxOutputScan  = 10000
	maxOutputDepth = 32
	// maxRefusedListed bounds the refused files listed in a result; the
	// rest are counted in Result.OutputsOmitted.
	maxRefusedListed = 100
)

// outputFound is a work dir entry a pattern selected.
type outputFound struct {
	rel     string
	size    int64
	refused string // set for what is never copied (links, special files)
}

type outputWalk struct {
	match func(rel string) bool
	found []outputFound
	seen  int
	cut   bool
}

// outputMatcher is the job's patterns, else the policy's, else every file
// but the script and its inputs.
func outputMatcher(job *Job, pol *policy.Policy, in *input) (func(string) bool, error) {
	pats := job.Outputs
	if pats == nil {
		pats = pol.Outputs.Paths
	}
	for _, p := range pats {
		if err := policy.CheckOutputPattern(p); err != nil {
			return nil, badInput("outputs: %v", err)
		}
	}
	if len(pats) == 0 {
		inputs := map[string]bool{}
		for _, n := range in.names {
			inputs[n] = true
		}
		return func(rel string) bool { return !inputs[rel] }, nil
	}
	return func(rel string) bool {
		for _, p := range pats {
			if policy.MatchOutput(p, rel) {
				return true
			}
		}
		return false
	}, nil
}

func (w *outputWalk) dir(fd int, prefix string, depth int) {
	f := os.NewFile(uintptr(fd), prefix)
	defer f.Close()
	var ents []os.DirEntry
	for !w.cut {
		batch, err := f.ReadDir(256)
		ents = append(ents, batch...)
		w.seen += len(batch)
		if w.seen > maxOutputScan {
			w.cut = true
		}
		if err != nil {
			break
		}
	}
	sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })
	for _, e := range ents {
		name := e.Name()
		rel := prefix + name
		switch t := e.Type(); {
		case t.IsDir():
			if depth >= maxOutputDepth {
				continue
			}
			sub, err := unix.Openat(fd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
			if err == nil {
				w.dir(sub, rel+"/", depth+1)
			}
		case !w.match(rel):
		case t.IsRegular():
			var st unix.Stat_t
			if err := unix.Fstatat(fd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err == nil {
				w.found = append(w.found, outputFound{rel: rel, size: st.Size})
			}
		case t&os.ModeSymlink != 0:
			w.found = append(w.found, outputFound{rel: rel, refused: "a symbolic link (links are never followed)"})
		default:
			w.found = append(w.found, outputFound{rel: rel, refused: "not a regular file"})
		}
	}
}

// collectOutputs copies the selected files of the work dir (the
// descriptor work) into job.OutputDir and lists them with their SHA-256,
// or why they were refused.
func collectOutputs(work *os.File, job *Job, pol *policy.Policy, in *input, res *Result) {
	match, err := outputMatcher(job, pol, in)
	if err != nil {
		res.Events = append(res.Events, Event{Type: EventOutputsFailed, Message: err.Error()})
		return
	}
	if err := os.MkdirAll(job.OutputDir, 0o755); err != nil {
		res.Events = append(res.Events, Event{Type: EventOutputsFailed, Message: fmt.Sprintf("output folder: %v", err)})
		return
	}
	dst, err := os.OpenRoot(job.OutputDir)
	if err != nil {
		res.Events = append(res.Events, Event{Type: EventOutputsFailed, Message: fmt.Sprintf("output folder: %v", err)})
		return
	}
	defer dst.Close()
	// A descriptor of our own for the walk: closing it leaves work open.
	root, err := unix.Openat(int(work.Fd()), ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		res.Events = append(res.Events, Event{Type: EventOutputsFailed, Message: fmt.Sprintf("work dir: %v", err)})
		return
	}
	w := &outputWalk{match: match}
	w.dir(root, "", 0)
	if w.cut {
		res.Events = append(res.Events, Event{Type: EventOutputsCut,
			Message: fmt.Sprintf("the work dir holds more than %d entries; only the first were looked at", maxOutputScan)})
	}
	o := pol.Outputs
	var files, refused int
	var total int64
	res.Outputs = []OutputFile{}
	add := func(f OutputFile) {
		if f.Refused != "" {
			refused++
			if refused > maxRefusedListed {
				res.OutputsOmitted++
				return
			}
		}
		res.Outputs = append(res.Outputs, f)
	}
	for _, fd := range w.found {
		out := OutputFile{Path: fd.rel, Size: fd.size, Refused: fd.refused}
		switch {
		case out.Refused != "":
		case files >= o.MaxFiles:
			out.Refused = fmt.Sprintf("past outputs.max_files (%d)", o.MaxFiles)
		case total+fd.size > int64(o.MaxSize):
			out.Refused = fmt.Sprintf("past outputs.max_size (%s in total)", o.MaxSize)
		default:
			sum, n, err := copyOutput(int(work.Fd()), dst, fd.rel, int64(o.MaxSize)-total)
			if err != nil {
				out.Refused = err.Error()
			} else {
				out.SHA256, out.Size = sum, n
				files++
				total += n
			}
		}
		add(out)
	}
}

// copyOutput copies the regular file rel below the work dir into dst at
// the same relative path, at most limit bytes, and returns its SHA-256.
func copyOutput(work int, dst *os.Root, rel string, limit int64) (string, int64, error) {
	src, err := openBeneath(work, rel)
	if err != nil {
		return "", 0, err
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		return "", 0, err
	}
	if !fi.Mode().IsRegular() {
		return "", 0, errors.New("not a regular file")
	}
	if fi.Size() > limit {
		return "", 0, fmt.Errorf("past outputs.max_size")
	}
	if d := path.Dir(rel); d != "." {
		if err := dst.MkdirAll(d, 0o755); err != nil {
			return "", 0, fmt.Errorf("output folder: %w", err)
		}
	}
	tmp := path.Join(path.Dir(rel), ".cordon-"+newID())
	out, err := dst.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", 0, fmt.Errorf("output folder: %w", err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), io.LimitReader(src, fi.Size()))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = dst.Rename(tmp, rel)
	}
	if err != nil {
		_ = dst.Remove(tmp)
		return "", 0, fmt.Errorf("output folder: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// openBeneath opens rel below the directory dir one element at a time,
// never following a symlink.
func openBeneath(dir int, rel string) (*os.File, error) {
	els := strings.Split(rel, "/")
	fd := dir
	for i, el := range els {
		if el == "" || el == "." || el == ".." {
			return nil, fmt.Errorf("bad path element %q", el)
		}
		flags := unix.O_RDONLY | unix.O_NOFOLLOW | unix.O_CLOEXEC | unix.O_NONBLOCK
		if i < len(els)-1 {
			flags |= unix.O_DIRECTORY
		}
		next, err := unix.Openat(fd, el, flags, 0)
		if fd != dir {
			unix.Close(fd)
		}
		if err != nil {
			return nil, err
		}
		fd = next
	}
	return os.NewFile(uintptr(fd), rel), nil
}
