package cli

// `cordon audit show`: list records, filtered by time, status, script
// hash and id, as text or JSON lines.

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cordonsec/cordon/audit"
)

const auditShowUsage = `Usage:
    cordon audit show [--dir DIR] [--since T] [--until T] [--status S] [--script-sha256 H] [--id ID] [--kind K] [--format text|json]

Lists the records of the log. A time is RFC 3339 (2026-11-29T03:00:00Z)
or a duration meaning that long ago (24h). --status and --script-sha256
select whole runs: every record of a run whose end has that status, or
whose start names that script hash. --id is a run id or a record index.
show reads the files as they are; run "cordon audit verify" to know they
were not changed.

Examples:
    cordon audit show --since 24h
    cordon audit show --status security-violation --format json
    cordon audit show --script-sha256 9f86d081884c7d65... --id 3f2a9c0e
`

func init() {
	registerAudit("show", "list records by time, status, script hash or id", runAuditShow)
}

// parseWhen reads an RFC 3339 time or a duration ago.
func parseWhen(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("time %q is neither RFC 3339 nor a duration", s)
}

type shownRecord struct {
	Index int64  `json:"index"`
	Time  string `json:"time"`
	// Unfinished marks a start record whose run has no end record.
	Unfinished bool `json:"unfinished,omitempty"`
	audit.Record
}

// unfinishedIDs lists run ids, at most a few.
func unfinishedIDs(us []audit.Unfinished) string {
	var ids []string
	for i, u := range us {
		if i == 5 {
			ids = append(ids, fmt.Sprintf("and %d more", len(us)-i))
			break
		}
		ids = append(ids, u.RunID)
	}
	return strings.Join(ids, ", ")
}

func runAuditShow(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "audit show", auditShowUsage)
	dir := fs.dirFlag()
	since := fs.String("since", "", "from this time")
	until := fs.String("until", "", "up to this time")
	status := fs.String("status", "", "run status")
	sha := fs.String("script-sha256", "", "script hash")
	id := fs.String("id", "", "run id or record index")
	kind := fs.String("kind", "", "record kind")
	fs.formatFlag("text", "json")
	pos, ok, err := fs.parseInterspersed(args)
	if !ok || err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("audit show", "unexpected argument %q", pos[0])
	}
	form := fs.Format()
	now := time.Now()
	from, err := parseWhen(*since, now)
	if err != nil {
		return usagef("audit show", "--since: %v", err)
	}
	to, err := parseWhen(*until, now)
	if err != nil {
		return usagef("audit show", "--until: %v", err)
	}
	// Runs selected by status or script hash need a first pass.
	var runs map[string]bool
	if *status != "" || *sha != "" {
		byStatus, bySHA := map[string]bool{}, map[string]bool{}
		err := audit.ReadRecords(*dir, func(i int64, rec audit.Record) error {
			if rec.End != nil && rec.End.Status == *status {
				byStatus[rec.RunID] = true
			}
			if rec.Start != nil && strings.EqualFold(rec.Start.ScriptSHA256, *sha) ||
				rec.End != nil && rec.End.ScriptSHA256 != "" && strings.EqualFold(rec.End.ScriptSHA256, *sha) {
				bySHA[rec.RunID] = true
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("reading %s: %w", *dir, err)
		}
		runs = map[string]bool{}
		for r := range byStatus {
			if *sha == "" || bySHA[r] {
				runs[r] = true
			}
		}
		if *status == "" {
			runs = bySHA
		}
	}
	unfinished, err := audit.UnfinishedRuns(*dir)
	if err != nil {
		return fmt.Errorf("reading %s: %w", *dir, err)
	}
	open := map[string]bool{}
	for _, u := range unfinished {
		open[u.RunID] = true
	}
	idIndex, idErr := strconv.ParseInt(*id, 10, 64)
	enc := json.NewEncoder(env.Stdout)
	n := 0
	err = audit.ReadRecords(*dir, func(i int64, rec audit.Record) error {
		switch {
		case !from.IsZero() && rec.Time.Before(from),
			!to.IsZero() && rec.Time.After(to),
			runs != nil && !runs[rec.RunID],
			*kind != "" && string(rec.Kind) != *kind,
			*id != "" && rec.RunID != *id && (idErr != nil || i != idIndex):
			return nil
		}
		n++
		unfinished := rec.Start != nil && open[rec.RunID]
		if form == "json" {
			return enc.Encode(shownRecord{Index: i, Time: rec.Time.UTC().Format(time.RFC3339Nano), Unfinished: unfinished, Record: rec})
		}
		line := summary(rec)
		if unfinished {
			line += " UNFINISHED (no end record)"
		}
		fmt.Fprintf(env.Stdout, "%d\t%s\t%s\t%s\t%s\n", i, rec.Time.UTC().Format(time.RFC3339), rec.Kind, orDash(rec.RunID), line)
		return nil
	})
	if err != nil {
		return fmt.Errorf("reading %s: %w", *dir, err)
	}
	if n == 0 {
		infof(env, "no record matches")
	}
	if len(unfinished) > 0 {
		warningf(env, "%s of the log without an end record (still going on, or the supervisor was killed): %s",
			plural(len(unfinished), "run"), unfinishedIDs(unfinished))
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func summary(rec audit.Record) string {
	switch {
	case rec.Start != nil:
		s := rec.Start
		return fmt.Sprintf("script=%s sha256=%s user=%s host=%s", s.Script, short(s.ScriptSHA256), orDash(s.User), orDash(s.Host))
	case rec.End != nil:
		e := rec.End
		return fmt.Sprintf("status=%s exit=%d wall=%dms findings=%d events=%d", e.Status, e.ExitCode, e.Usage.WallMS, e.Findings.Total, e.Events)
	case rec.Event != nil:
		return fmt.Sprintf("type=%s %s", rec.Event.Type, rec.Event.Message)
	case rec.Repair != nil:
		return fmt.Sprintf("segment=%s offset=%d dropped=%d", rec.Repair.Segment, rec.Repair.Offset, rec.Repair.BytesDropped)
	}
	return ""
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
