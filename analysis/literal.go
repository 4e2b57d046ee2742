package analysis

// Python string literal values, for the resolver: a literal's text is
// decoded the way Python would (prefixes r, b, u, f; escapes) so that
// constant names such as "sys"+"tem" or "\x73ystem" resolve.

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// stringValue returns the value of a `string` node when it is a constant
// (no interpolation), and whether it is a bytes literal.
func (t *tree) stringValue(i int32) (val string, isBytes, ok bool) {
	var prefix string
	var b strings.Builder
	for c := t.nodes[i].first; c != none; c = t.nodes[c].next {
		switch t.kind(c) {
		case "string_start":
			s := t.text(c)
			prefix = strings.ToLower(strings.TrimRight(s, `'"`))
		case "string_content":
			b.WriteString(t.text(c))
		case "interpolation":
			return "", false, false
		case "escape_sequence", "escape_interpolation":
			b.WriteString(t.text(c))
		}
	}
	raw := strings.Contains(prefix, "r")
	isBytes = strings.Contains(prefix, "b")
	s := b.String()
	if raw {
		return s, isBytes, true
	}
	if strings.Contains(prefix, "f") {
		s = strings.ReplaceAll(strings.ReplaceAll(s, "{{", "{"), "}}", "}")
	}
	return unescape(s, isBytes), isBytes, true
}

// unescape decodes Python backslash escapes. Unknown escapes stay as
// written, like Python.
func unescape(s string, isBytes bool) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch e := s[i]; e {
		case '\n':
		case '\\', '\'', '"':
			b.WriteByte(e)
		case 'a':
			b.WriteByte(7)
		case 'b':
			b.WriteByte(8)
		case 'f':
			b.WriteByte(12)
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'v':
			b.WriteByte(11)
		case 'x', 'u', 'U':
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
			if (e != 'x' && isBytes) || i+n >= len(s) {
				b.WriteByte('\\')
				b.WriteByte(e)
				continue
			}
			v, err := strconv.ParseUint(s[i+1:i+1+n], 16, 32)
			if err != nil {
				b.WriteByte('\\')
				b.WriteByte(e)
				continue
			}
			if e == 'x' && isBytes {
				b.WriteByte(byte(v))
			} else {
				b.WriteRune(rune(v))
			}
			i += n
		case 'N':
			// \N{NAME}: keep as written; names are not resolved.
			b.WriteString(`\N`)
		default:
			if e >= '0' && e <= '7' {
				j := i
				for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
					j++
				}
				v, _ := strconv.ParseUint(s[i:j], 8, 32)
				if isBytes {
					b.WriteByte(byte(v))
				} else {
					b.WriteRune(rune(v))
				}
				i = j - 1
				continue
			}
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	return b.String()
}

// intValue parses a Python integer literal.
func intValue(s string) (int64, bool) {
	s = strings.ReplaceAll(strings.ToLower(s), "_", "")
	base := 10
	switch {
	case strings.HasPrefix(s, "0x"):
		base, s = 16, s[2:]
	case strings.HasPrefix(s, "0o"):
		base, s = 8, s[2:]
	case strings.HasPrefix(s, "0b"):
		base, s = 2, s[2:]
	case len(s) > 1 && s[0] == '0' && strings.Trim(s, "0") != "":
		base = 8 // Python 2 octal, still met in the wild
	}
	v, err := strconv.ParseInt(s, base, 64)
	return v, err == nil
}

func reverseString(s string) string {
	if !utf8.ValidString(s) {
		b := []byte(s)
		for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
			b[i], b[j] = b[j], b[i]
		}
		return string(b)
	}
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}
