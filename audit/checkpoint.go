package audit

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Checkpoint is the body of a signed checkpoint in the C2SP
// tlog-checkpoint layout:
//
//	<origin>
//	<tree size>
//	<base64 root hash>
//	time <RFC 3339>          (extension line)
type Checkpoint struct {
	Origin string
	Size   int64
	Hash   tlog.Hash
	Time   time.Time
}

// ErrCheckpoint is returned for a checkpoint body that does not parse.
var ErrCheckpoint = errors.New("invalid checkpoint")

// Format returns the note text of c.
func (c Checkpoint) Format() string {
	s := fmt.Sprintf("%s\n%d\n%s\n", c.Origin, c.Size, base64.StdEncoding.EncodeToString(c.Hash[:]))
	if !c.Time.IsZero() {
		s += "time " + c.Time.UTC().Format(time.RFC3339Nano) + "\n"
	}
	return s
}

// ParseCheckpoint parses a checkpoint body (the text of a note, without
// signatures). Extension lines other than "time" are ignored.
func ParseCheckpoint(text string) (Checkpoint, error) {
	if !strings.HasSuffix(text, "\n") || len(text) > 4096 {
		return Checkpoint{}, fmt.Errorf("%w: not newline-terminated or too long", ErrCheckpoint)
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 {
		return Checkpoint{}, fmt.Errorf("%w: %d lines, want at least 3", ErrCheckpoint, len(lines))
	}
	var c Checkpoint
	c.Origin = lines[0]
	if c.Origin == "" || strings.ContainsAny(c.Origin, " \t") {
		return Checkpoint{}, fmt.Errorf("%w: bad origin %q", ErrCheckpoint, c.Origin)
	}
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != lines[1] {
		return Checkpoint{}, fmt.Errorf("%w: bad tree size %q", ErrCheckpoint, lines[1])
	}
	c.Size = n
	h, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(h) != tlog.HashSize {
		return Checkpoint{}, fmt.Errorf("%w: bad root hash %q", ErrCheckpoint, lines[2])
	}
	copy(c.Hash[:], h)
	for _, l := range lines[3:] {
		if l == "" {
			return Checkpoint{}, fmt.Errorf("%w: empty extension line", ErrCheckpoint)
		}
		if v, ok := strings.CutPrefix(l, "time "); ok {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return Checkpoint{}, fmt.Errorf("%w: bad time %q", ErrCheckpoint, v)
			}
			c.Time = t
		}
	}
	return c, nil
}

// SignCheckpoint returns the signed note of c.
func SignCheckpoint(c Checkpoint, s note.Signer) ([]byte, error) {
	msg, err := note.Sign(&note.Note{Text: c.Format()}, s)
	if err != nil {
		return nil, fmt.Errorf("signing checkpoint: %w", err)
	}
	return msg, nil
}

// OpenCheckpoint checks a signed checkpoint against the one pinned
// verifier key and parses it. A note signed by any other key, or not
// signed, is refused ([ErrBadSignature]).
func OpenCheckpoint(msg []byte, v note.Verifier) (Checkpoint, error) {
	if bytes.Count(msg, []byte("\n")) > 64 {
		return Checkpoint{}, fmt.Errorf("%w: too many lines", ErrCheckpoint)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	c, err := ParseCheckpoint(n.Text)
	if err != nil {
		return Checkpoint{}, err
	}
	if c.Origin != v.Name() {
		return Checkpoint{}, fmt.Errorf("%w: origin %q is not the key name %q", ErrBadSignature, c.Origin, v.Name())
	}
	return c, nil
}

// ErrBadSignature is returned for a checkpoint whose signature does not
// verify with the pinned key.
var ErrBadSignature = errors.New("checkpoint signature does not verify")
