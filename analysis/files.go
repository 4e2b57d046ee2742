package analysis

// Analysing files and trees of files: the walk and the worker pool that
// `cordon check` uses, for every caller that analyses more than one script.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// CollectPython expands command-line arguments into the Python files to
// analyse: a file named is taken whatever its name; a directory is walked
// for *.py, *.pyw and files with a python shebang (version-control and
// __pycache__ folders skipped, links to directories not followed). What
// cannot be read is a FileError.
func CollectPython(args []string) ([]string, []FileError) {
	var files []string
	var errs []FileError
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			files = append(files, p)
		}
	}
	for _, arg := range args {
		st, err := os.Stat(arg)
		if err != nil {
			errs = append(errs, FileError{File: arg, Err: errMsg(err)})
			continue
		}
		if !st.IsDir() {
			add(arg) // named explicitly: analysed whatever its name
			continue
		}
		werr := filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, FileError{File: p, Err: errMsg(err)})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				switch d.Name() {
				case ".git", ".hg", ".svn", "__pycache__":
					if p != arg {
						return fs.SkipDir
					}
				}
				return nil
			}
			typ := d.Type()
			if typ&fs.ModeSymlink != 0 {
				// Links to files count; links to directories are not
				// followed, so link loops cannot trap the walk.
				st, err := os.Stat(p)
				if err != nil {
					errs = append(errs, FileError{File: p, Err: errMsg(err)})
					return nil
				}
				if !st.Mode().IsRegular() {
					return nil
				}
			} else if !typ.IsRegular() {
				return nil
			}
			if strings.HasSuffix(p, ".py") || strings.HasSuffix(p, ".pyw") {
				add(p)
				return nil
			}
			ok, err := pythonShebang(p)
			if err != nil {
				errs = append(errs, FileError{File: p, Err: errMsg(err)})
			} else if ok {
				add(p)
			}
			return nil
		})
		if werr != nil {
			errs = append(errs, FileError{File: arg, Err: errMsg(werr)})
		}
	}
	return files, errs
}

func pythonShebang(p string) (bool, error) {
	f, err := os.Open(p)
	if err != nil {
		return false, err
	}
	defer f.Close()
	line, err := bufio.NewReaderSize(f, 256).Peek(128)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return false, err
	}
	if !bytes.HasPrefix(line, []byte("#!")) {
		return false, nil
	}
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	return bytes.Contains(line, []byte("python")), nil
}

func errMsg(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}

// AnalyzeFiles runs Analyze over files with jobs workers, largest files
// first; the reports keep the order of files, and a file that cannot be
// read or analysed is a FileError.
func AnalyzeFiles(ctx context.Context, files []string, jobs int, opts Options) ([]*Report, []FileError) {
	reports := make([]*Report, len(files))
	errs := make([]*FileError, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(jobs, max(len(files), 1)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				reports[i], errs[i] = analyzeFile(ctx, files[i], opts)
			}
		}()
	}
	// Largest files first, so no big file starts last and runs alone.
	order := make([]int, len(files))
	sizes := make([]int64, len(files))
	for i := range files {
		order[i] = i
		if st, err := os.Stat(files[i]); err == nil {
			sizes[i] = st.Size()
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return sizes[order[a]] > sizes[order[b]] })
	for _, i := range order {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	var out []*Report
	var ferrs []FileError
	for i := range files {
		if errs[i] != nil {
			ferrs = append(ferrs, *errs[i])
		} else if reports[i] != nil {
			out = append(out, reports[i])
		}
	}
	return out, ferrs
}

func analyzeFile(ctx context.Context, file string, opts Options) (*Report, *FileError) {
	max := opts.MaxBytes
	if max <= 0 {
		max = DefaultMaxBytes
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, &FileError{File: file, Err: errMsg(err)}
	}
	defer f.Close()
	// Read one byte past the bound so Analyze sees the file is too big
	// without reading all of a huge file.
	src, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, &FileError{File: file, Err: errMsg(err)}
	}
	rep, err := Analyze(ctx, file, src, opts)
	if err != nil {
		return nil, &FileError{File: file, Err: err.Error()}
	}
	return rep, nil
}
