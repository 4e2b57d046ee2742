package cli

// What a script prints reaches the user's terminal through a filter when
// cordon's stdout or stderr is one (--raw-output turns it off): newlines,
// tabs, carriage returns and basic colour pass; every other control
// character and escape sequence is shown as text instead of acted on — a
// window-title or clipboard write (OSC 0, OSC 52), concealed text (SGR 8),
// cursor moves that could overwrite Cordon's own lines, 8-bit C1 controls
// and bytes that are not UTF-8. A carriage return passes for progress
// bars: it only returns to the start of the current line, and Cordon
// starts its own lines on a fresh line with colours reset (finish).

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode/utf8"
)

// maxEscape bounds an escape sequence held while it is being decided.
const maxEscape = 32

// termSafe filters writes to a terminal. It is safe for concurrent use.
type termSafe struct {
	mu      sync.Mutex
	w       io.Writer
	pending []byte // an escape sequence or UTF-8 character cut by a write
	lastNL  bool   // the last byte shown was a newline (or nothing yet)
	colour  bool   // an SGR other than a reset was passed through
}

func newTermSafe(w io.Writer) *termSafe { return &termSafe{w: w, lastNL: true} }

func (t *termSafe) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	in := append(t.pending, b...)
	t.pending = nil
	var out []byte
	for len(in) > 0 {
		c := in[0]
		switch {
		case c == '\n' || c == '\t' || c == '\r':
			out = append(out, c)
			in = in[1:]
		case c == 0x1b:
			n, verdict := escape(in)
			switch verdict {
			case escIncomplete:
				t.pending = append([]byte(nil), in...)
				in = nil
			case escAllowed:
				out = append(out, in[:n]...)
				t.colour = !isReset(in[:n])
				in = in[n:]
			default:
				out = append(out, "^["...)
				in = in[1:]
			}
		case c < 0x20:
			out = append(out, '^', c+'@')
			in = in[1:]
		case c == 0x7f:
			out = append(out, "^?"...)
			in = in[1:]
		case c < 0x80:
			out = append(out, c)
			in = in[1:]
		default:
			r, n := utf8.DecodeRune(in)
			switch {
			case r == utf8.RuneError && n <= 1 && !utf8.FullRune(in):
				t.pending = append([]byte(nil), in...)
				in = nil
			case r == utf8.RuneError && n <= 1:
				out = append(out, fmt.Sprintf(`\x%02x`, c)...)
				in = in[1:]
			case r >= 0x80 && r <= 0x9f: // C1 controls (0x9b is CSI)
				out = append(out, fmt.Sprintf(`\u%04x`, r)...)
				in = in[n:]
			default:
				out = append(out, in[:n]...)
				in = in[n:]
			}
		}
	}
	if len(out) > 0 {
		t.lastNL = out[len(out)-1] == '\n'
		if _, err := t.w.Write(out); err != nil {
			return 0, err
		}
	}
	return len(b), nil
}

// finish shows what was held back (an escape or character never
// completed) and reports whether the output ended mid-line and whether a
// colour may still be set.
func (t *termSafe) finish() (midLine, coloured bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.pending) > 0 {
		var out []byte
		for _, c := range t.pending {
			if c == 0x1b {
				out = append(out, "^["...)
			} else if c < 0x20 || c >= 0x7f {
				out = append(out, fmt.Sprintf(`\x%02x`, c)...)
			} else {
				out = append(out, c)
			}
		}
		t.pending = nil
		t.w.Write(out)
		t.lastNL = false
	}
	return !t.lastNL, t.colour
}

type escVerdict int

const (
	escRefused escVerdict = iota
	escAllowed
	escIncomplete
)

// escape decides the escape sequence at the start of b (b[0] is ESC):
// only SGR (ESC [ params m) with basic attributes and colours passes.
func escape(b []byte) (int, escVerdict) {
	if len(b) < 2 {
		return 0, escIncomplete
	}
	if b[1] != '[' {
		return 0, escRefused
	}
	for i := 2; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9' || c == ';':
			if i >= maxEscape {
				return 0, escRefused
			}
		case c == 'm':
			if basicSGR(string(b[2:i])) {
				return i + 1, escAllowed
			}
			return 0, escRefused
		default:
			return 0, escRefused
		}
	}
	return 0, escIncomplete
}

// basicSGR reports whether every parameter is a basic attribute or colour:
// reset, bold, faint, italic, underline, reverse and their resets, the 8
// and 8 bright colours, default colours. Not 8 (concealed), not blink, not
// 256-colour or RGB forms.
func basicSGR(params string) bool {
	if params == "" {
		return true
	}
	for _, p := range strings.Split(params, ";") {
		n := 0
		if p == "" || len(p) > 3 {
			return false
		}
		for _, c := range p {
			n = n*10 + int(c-'0')
		}
		switch {
		case n <= 4, n == 7, n >= 22 && n <= 24, n == 27,
			n >= 30 && n <= 37, n == 39, n >= 40 && n <= 47, n == 49,
			n >= 90 && n <= 97, n >= 100 && n <= 107:
		default:
			return false
		}
	}
	return true
}

func isReset(seq []byte) bool {
	s := string(seq)
	return s == "\x1b[m" || s == "\x1b[0m"
}

// showable quotes s when it holds a control character, for Cordon's own
// lines that carry text a script chose (file names, host names).
func showable(s string) string {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f || r == utf8.RuneError {
			q := fmt.Sprintf("%+q", s)
			return q
		}
	}
	return s
}

// prefixed writes prefix before its first write.
type prefixed struct {
	w      io.Writer
	prefix string
	once   sync.Once
}

func (p *prefixed) Write(b []byte) (int, error) {
	p.once.Do(func() {
		if p.prefix != "" {
			io.WriteString(p.w, p.prefix)
		}
	})
	return p.w.Write(b)
}
