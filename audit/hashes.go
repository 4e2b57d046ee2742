package audit

import (
	"fmt"
	"os"

	"golang.org/x/mod/sumdb/tlog"
)

// hashFile is the tlog stored-hash side file: hash number k (in
// tlog.StoredHashIndex order) at offset 32k. It is derived data: it can
// always be recomputed from the records, and is checked on open.
type hashFile struct {
	f    *os.File
	size int64
}

const hashesName = "tree.hashes"

func (h *hashFile) count() int64 { return h.size / tlog.HashSize }

// ReadHashes implements tlog.HashReader.
func (h *hashFile) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || (x+1)*tlog.HashSize > h.size {
			return nil, fmt.Errorf("stored hash %d beyond the end of %s", x, hashesName)
		}
		if _, err := h.f.ReadAt(out[i][:], x*tlog.HashSize); err != nil {
			return nil, fmt.Errorf("reading %s: %w", hashesName, err)
		}
	}
	return out, nil
}

// append writes hashes at the end.
func (h *hashFile) append(hs []tlog.Hash) error {
	buf := make([]byte, 0, len(hs)*tlog.HashSize)
	for _, x := range hs {
		buf = append(buf, x[:]...)
	}
	if _, err := h.f.WriteAt(buf, h.size); err != nil {
		return fmt.Errorf("writing %s: %w", hashesName, err)
	}
	h.size += int64(len(buf))
	return nil
}

func (h *hashFile) truncate(size int64) error {
	if err := h.f.Truncate(size); err != nil {
		return fmt.Errorf("truncating %s: %w", hashesName, err)
	}
	h.size = size
	return nil
}

// addRecord appends the stored hashes for record n with the given data.
func (h *hashFile) addRecord(n int64, data []byte) (tlog.Hash, error) {
	if want := tlog.StoredHashCount(n) * tlog.HashSize; h.size != want {
		return tlog.Hash{}, fmt.Errorf("%s holds %d bytes, want %d for %d records", hashesName, h.size, want, n)
	}
	hs, err := tlog.StoredHashes(n, data, h)
	if err != nil {
		return tlog.Hash{}, err
	}
	if err := h.append(hs); err != nil {
		return tlog.Hash{}, err
	}
	return hs[0], nil
}

// leaf returns the stored leaf hash of record i.
func (h *hashFile) leaf(i int64) (tlog.Hash, error) {
	hs, err := h.ReadHashes([]int64{tlog.StoredHashIndex(0, i)})
	if err != nil {
		return tlog.Hash{}, err
	}
	return hs[0], nil
}

// recordsCovered returns the largest k <= n whose stored hashes fit in
// the file's size.
func recordsCovered(size, n int64) int64 {
	lo, hi := int64(0), n
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if tlog.StoredHashCount(mid)*tlog.HashSize <= size {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}
