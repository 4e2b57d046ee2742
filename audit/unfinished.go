package audit

// Runs whose start record has no end record: the supervisor was killed
// (SIGKILL, a crash, the machine lost power) between the two, or the run
// is still going. Cordon writes an end record on every other path.

// Unfinished is a run with a start record and no end record.
type Unfinished struct {
	RunID  string `json:"run_id"`
	Index  int64  `json:"index"` // of its start record
	Script string `json:"script"`
	Time   string `json:"time"` // of its start record, RFC 3339
}

// UnfinishedRuns lists, in log order, the runs of the log in dir that
// have a start record and no end record. Like ReadRecords it trusts the
// files.
func UnfinishedRuns(dir string) ([]Unfinished, error) {
	var order []string
	open := map[string]Unfinished{}
	err := ReadRecords(dir, func(i int64, rec Record) error {
		switch {
		case rec.Start != nil:
			if _, dup := open[rec.RunID]; !dup {
				order = append(order, rec.RunID)
			}
			open[rec.RunID] = Unfinished{RunID: rec.RunID, Index: i, Script: rec.Start.Script,
				Time: rec.Time.UTC().Format("2006-01-02T15:04:05Z07:00")}
		case rec.End != nil:
			delete(open, rec.RunID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []Unfinished
	for _, id := range order {
		if u, ok := open[id]; ok {
			out = append(out, u)
		}
	}
	return out, nil
}
