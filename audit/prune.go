package audit

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
