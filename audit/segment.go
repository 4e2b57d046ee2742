package audit

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Segments are named by the index of their first record, so their order
// is the order of the names and a missing one shows as a gap.
const (
	segPrefix = "seg-"
	segSuffix = ".jsonl"
)

func segName(first int64) string { return fmt.Sprintf("%s%016d%s", segPrefix, first, segSuffix) }

// segment is one segment file of a log directory.
type segment struct {
	Name  string
	First int64
}

// listSegments returns the segments of dir in order.
func listSegments(dir string) ([]segment, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("listing audit segments: %w", err)
	}
	var segs []segment
	for _, e := range ents {
		name := e.Name()
		num, ok := strings.CutPrefix(name, segPrefix)
		if !ok {
			continue
		}
		num, ok = strings.CutSuffix(num, segSuffix)
		if !ok || len(num) != 16 {
			continue
		}
		first, err := strconv.ParseInt(num, 10, 64)
		if err != nil || first < 0 {
			continue
		}
		segs = append(segs, segment{Name: name, First: first})
	}
	sort.Slice(segs, func(i, j int) bool { return segs[i].First < segs[j].First })
	return segs, nil
}

// tailOf finds the end of the last complete (newline-terminated) line of
// the first size bytes of f and returns that offset and the line (without
// its newline); line is nil when there is no complete line.
func tailOf(f *os.File, size int64) (cut int64, line []byte, err error) {
	const chunk = 64 << 10
	var buf []byte // bytes [pos, size) of the file, read backwards
	pos := size
	nl := -1 // offset in buf of the last newline
	for nl < 0 && pos > 0 {
		n := int64(chunk)
		if pos < n {
			n = pos
		}
		b := make([]byte, n)
		if _, err := f.ReadAt(b, pos-n); err != nil && !errors.Is(err, io.EOF) {
			return 0, nil, err
		}
		pos -= n
		buf = append(b, buf...)
		nl = bytes.LastIndexByte(buf, '\n')
		if int64(len(buf)) > maxLine+chunk && nl < 0 && pos > 0 {
			// No record is this long: not a torn record but damage.
			// Cutting it would destroy evidence; refuse.
			return 0, nil, fmt.Errorf("%w: no line end in the last %d bytes", ErrCorrupt, len(buf))
		}
	}
	if nl < 0 {
		return 0, nil, nil
	}
	cut = pos + int64(nl) + 1
	// The line before the newline: search back for the previous newline.
	start := bytes.LastIndexByte(buf[:nl], '\n')
	for start < 0 && pos > 0 {
		n := int64(chunk)
		if pos < n {
			n = pos
		}
		b := make([]byte, n)
		if _, err := f.ReadAt(b, pos-n); err != nil && !errors.Is(err, io.EOF) {
			return 0, nil, err
		}
		pos -= n
		nl += len(b)
		buf = append(b, buf...)
		start = bytes.LastIndexByte(buf[:nl], '\n')
		if nl > maxLine+chunk {
			return 0, nil, fmt.Errorf("%w: last line longer than %d bytes", ErrCorrupt, maxLine)
		}
	}
	return cut, append([]byte(nil), buf[start+1:nl]...), nil
}

// ErrCorrupt is returned when a log directory is not in a state the
// writer can repair (run verify to see why).
var ErrCorrupt = errors.New("audit log is corrupt")

// lineReader reads newline-terminated lines of at most maxLine bytes.
type lineReader struct {
	r   *bufio.Reader
	off int64 // offset of the next line
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 256<<10)}
}

// next returns the next complete line without its newline, valid until the
// following call. At the end it returns io.EOF; torn is the count of bytes
// after the last newline.
func (lr *lineReader) next() (line []byte, torn int, err error) {
	b, err := lr.r.ReadSlice('\n')
	if err == nil {
		lr.off += int64(len(b))
		return b[:len(b)-1], 0, nil
	}
	if errors.Is(err, bufio.ErrBufferFull) {
		// A long line: gather it.
		acc := append([]byte(nil), b...)
		for errors.Is(err, bufio.ErrBufferFull) {
			if len(acc) > maxLine {
				return nil, 0, fmt.Errorf("%w: line at offset %d longer than %d bytes", ErrCorrupt, lr.off, maxLine)
			}
			b, err = lr.r.ReadSlice('\n')
			acc = append(acc, b...)
		}
		if err == nil {
			lr.off += int64(len(acc))
			return acc[:len(acc)-1], 0, nil
		}
		b = acc
	}
	if errors.Is(err, io.EOF) {
		return nil, len(b), io.EOF
	}
	return nil, 0, err
}

// readLines calls fn for every record of dir from index from on, in order,
// trusting segment names and line positions (verify is the careful
// reader).
func readLines(dir string, segs []segment, from int64, fn func(i int64, line []byte) error) error {
	for k, s := range segs {
		if k+1 < len(segs) && segs[k+1].First <= from {
			continue
		}
		f, err := os.Open(filepath.Join(dir, s.Name))
		if err != nil {
			return err
		}
		lr := newLineReader(f)
		i := s.First
		for {
			line, _, err := lr.next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				f.Close()
				return err
			}
			if i >= from {
				if err := fn(i, line); err != nil {
					f.Close()
					return err
				}
			}
			i++
		}
		f.Close()
	}
	return nil
}
