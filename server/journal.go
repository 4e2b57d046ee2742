package server

// The journal of accepted runs: one small file per run in
// state_dir/journal, written before the run is acknowledged and removed
// once its audit end record is written. What a previous process left there
// are runs it never finished (a crash, a kill -9): at start-up each is
// recorded in the audit log as internal-error (interrupted), so no
// accepted run is missing from the log.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

type journalEntry struct {
	ID           string    `json:"id"`
	Tenant       string    `json:"tenant"`
	Created      time.Time `json:"created"`
	Script       string    `json:"script"`
	ScriptSHA256 string    `json:"script_sha256"`
	PolicyHash   string    `json:"policy_hash"`
	Client       string    `json:"client,omitempty"`
}

type journal struct{ dir string }

func openJournal(stateDir string) (*journal, error) {
	dir := filepath.Join(stateDir, "journal")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("state dir: %w", err)
	}
	return &journal{dir: dir}, nil
}

func (j *journal) file(id string) string { return filepath.Join(j.dir, id+".json") }

func (j *journal) add(e journalEntry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	tmp := j.file(e.ID) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, j.file(e.ID))
}

func (j *journal) remove(id string) { os.Remove(j.file(id)) }

// left returns the entries a previous process left.
func (j *journal) left() ([]journalEntry, error) {
	names, err := os.ReadDir(j.dir)
	if err != nil {
		return nil, err
	}
	var out []journalEntry
	for _, n := range names {
		if !strings.HasSuffix(n.Name(), ".json") {
			os.Remove(filepath.Join(j.dir, n.Name()))
			continue
		}
		b, err := os.ReadFile(filepath.Join(j.dir, n.Name()))
		if err != nil {
			return nil, err
		}
		var e journalEntry
		if err := json.Unmarshal(b, &e); err != nil || e.ID == "" {
			return nil, fmt.Errorf("journal %s: not a journal entry", n.Name())
		}
		out = append(out, e)
	}
	return out, nil
}

// recover records the runs a previous process left unfinished.
func (s *Server) recover() error {
	left, err := s.jr.left()
	if err != nil || len(left) == 0 {
		return err
	}
	started, ended, err := s.ev.runsIn(left)
	if err != nil {
		return err
	}
	for _, e := range left {
		if !ended[e.ID] {
			msg := "interrupted: the server stopped before the run finished"
			var err error
			if started[e.ID] {
				_, err = s.ev.recordEnd(e, "internal-error", msg)
			} else {
				_, err = s.ev.recordUnstarted(e, "internal-error", msg)
			}
			if err != nil {
				return fmt.Errorf("recording interrupted run %s: %w", e.ID, err)
			}
			s.log.Warn("run interrupted by the previous process", "run", e.ID, "tenant", e.Tenant)
		}
		s.jr.remove(e.ID)
	}
	return nil
}
