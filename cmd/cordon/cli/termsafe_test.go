package cli

import (
	"strings"
	"testing"
)

func TestTermSafe(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"plain", "hello\tworld\r\n", "hello\tworld\r\n"},
		{"basic colour", "\x1b[1;31mred\x1b[0m\n", "\x1b[1;31mred\x1b[0m\n"},
		{"reset short", "\x1b[mx", "\x1b[mx"},
		{"title", "\x1b]0;owned\x07", "^[]0;owned^G"},
		{"clipboard", "\x1b]52;c;ZXZpbA==\x07", "^[]52;c;ZXZpbA==^G"},
		{"conceal", "\x1b[8msecret", "^[[8msecret"},
		{"256 colour", "\x1b[38;5;1mx", "^[[38;5;1mx"},
		{"cursor up", "\x1b[2A\x1b[Kfake", "^[[2A^[[Kfake"},
		{"bell and del", "\a\x7f", "^G^?"},
		{"C1 CSI as UTF-8", "\u009b31m", `\u009b31m`},
		{"raw 8-bit CSI", "\x9b31m", `\x9b31m`},
		{"utf-8", "héllo ✓\n", "héllo ✓\n"},
	} {
		var b strings.Builder
		w := newTermSafe(&b)
		w.Write([]byte(c.in))
		w.finish()
		if b.String() != c.want {
			t.Errorf("%s: got %q, want %q", c.name, b.String(), c.want)
		}
	}
}

// TestTermSafeSplit: a sequence cut between writes is decided whole.
func TestTermSafeSplit(t *testing.T) {
	for _, in := range []string{"\x1b[31mred\x1b[8mhidden\n", "é✓\x1b]0;t\x07\n"} {
		var whole strings.Builder
		w := newTermSafe(&whole)
		w.Write([]byte(in))
		w.finish()
		for i := 1; i < len(in); i++ {
			var b strings.Builder
			w := newTermSafe(&b)
			w.Write([]byte(in[:i]))
			w.Write([]byte(in[i:]))
			w.finish()
			if b.String() != whole.String() {
				t.Errorf("split at %d: %q, want %q", i, b.String(), whole.String())
			}
		}
	}
	var b strings.Builder
	w := newTermSafe(&b)
	w.Write([]byte("no newline\x1b[31m"))
	if mid, col := w.finish(); !mid || !col {
		t.Errorf("finish = %v %v, want mid-line and coloured", mid, col)
	}
}
