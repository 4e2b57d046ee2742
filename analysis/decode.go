package analysis

// Source decoding the way CPython's tokenizer does it: a UTF-8 BOM, else a
// PEP 263 coding cookie on line 1 or 2, else UTF-8. Anything Python would
// refuse, or a codec we do not know, is an error the caller turns into a
// fail-closed finding: a script whose bytes we cannot read as Python reads
// them is not analysed as if it were clean.

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
)

// ErrUnknownEncoding: the coding cookie names a codec the analyzer does not
// know (Python may know it, so the file is not analysable).
var ErrUnknownEncoding = errors.New("unknown source encoding")

// ErrBadEncoding: the bytes are not valid in the source encoding.
var ErrBadEncoding = errors.New("source bytes invalid for its encoding")

var cookieRe = regexp.MustCompile(`^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)`)

var blankOrComment = regexp.MustCompile(`^[ \t\f]*(?:[#\r\n]|$)`)

// sourceEncoding returns the declared encoding (normalised) or "" for none.
func sourceEncoding(src []byte) string {
	lines := bytes.SplitN(src, []byte("\n"), 3)
	for i := 0; i < len(lines) && i < 2; i++ {
		if m := cookieRe.FindSubmatch(lines[i]); m != nil {
			return normEncoding(string(m[1]))
		}
		if !blankOrComment.Match(lines[i]) {
			break
		}
	}
	return ""
}

// normEncoding mirrors CPython's get_normal_name plus codec alias folding.
func normEncoding(s string) string {
	s = strings.ToLower(strings.ReplaceAll(s, "_", "-"))
	switch {
	case s == "utf-8" || strings.HasPrefix(s, "utf-8-") || s == "utf8" || s == "u8" || s == "utf":
		if s == "utf-8-sig" {
			return "utf-8"
		}
		return "utf-8"
	case s == "latin-1" || s == "iso-8859-1" || s == "iso-latin-1" || s == "latin1" || s == "l1" ||
		s == "iso8859-1" || s == "8859" || s == "cp819" || s == "latin" ||
		strings.HasPrefix(s, "latin-1-") || strings.HasPrefix(s, "iso-8859-1-") || strings.HasPrefix(s, "iso-latin-1-"):
		return "latin-1"
	}
	return s
}

var pyAliases = map[string]string{
	"ascii": "us-ascii", "646": "us-ascii", "us-ascii": "us-ascii",
	"cp1250": "windows-1250", "cp1251": "windows-1251", "cp1252": "windows-1252",
	"cp1253": "windows-1253", "cp1254": "windows-1254", "cp1255": "windows-1255",
	"cp1256": "windows-1256", "cp1257": "windows-1257", "cp1258": "windows-1258",
	"windows-1252": "windows-1252", "cp437": "ibm437", "cp850": "ibm850", "cp866": "ibm866",
	"utf-16": "utf-16", "utf16": "utf-16", "utf-16-le": "utf-16le", "utf-16le": "utf-16le",
	"utf-16-be": "utf-16be", "utf-16be": "utf-16be",
	"koi8-r": "koi8-r", "koi8-u": "koi8-u", "shift-jis": "shift_jis", "sjis": "shift_jis",
	"euc-jp": "euc-jp", "gbk": "gbk", "gb2312": "gb2312", "gb18030": "gb18030", "big5": "big5",
	"euc-kr": "euc-kr", "iso-8859-15": "iso-8859-15", "latin9": "iso-8859-15",
	"iso-8859-2": "iso-8859-2", "latin2": "iso-8859-2", "mac-roman": "macintosh", "macroman": "macintosh",
}

func lookupCodec(name string) (encoding.Encoding, error) {
	switch name {
	case "latin-1":
		return charmap.ISO8859_1, nil
	case "utf-16", "utf-16le":
		return unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), nil
	case "utf-16be":
		return unicode.UTF16(unicode.BigEndian, unicode.UseBOM), nil
	}
	iana := name
	if a, ok := pyAliases[name]; ok {
		iana = a
	}
	e, err := ianaindex.IANA.Encoding(iana)
	if err != nil || e == nil {
		return nil, fmt.Errorf("%w: %q", ErrUnknownEncoding, name)
	}
	return e, nil
}

// decodeSource returns src as UTF-8 and the encoding used.
func decodeSource(src []byte) ([]byte, string, error) {
	bom := bytes.HasPrefix(src, []byte{0xEF, 0xBB, 0xBF})
	if bom {
		src = src[3:]
	}
	enc := sourceEncoding(src)
	if bom && enc != "" && enc != "utf-8" {
		return nil, enc, fmt.Errorf("%w: UTF-8 BOM with coding cookie %q (Python refuses it)", ErrBadEncoding, enc)
	}
	if enc == "" || enc == "utf-8" {
		if !utf8.Valid(src) {
			return nil, "utf-8", fmt.Errorf("%w: not valid UTF-8 at byte %d (Python refuses it)", ErrBadEncoding, firstInvalid(src))
		}
		return src, "utf-8", nil
	}
	codec, err := lookupCodec(enc)
	if err != nil {
		return nil, enc, err
	}
	if undef, ok := undefinedBytes[enc]; ok {
		for i, b := range src {
			if bytes.IndexByte(undef, b) >= 0 {
				return nil, enc, fmt.Errorf("%w: %s: byte %#x at %d is undefined", ErrBadEncoding, enc, b, i)
			}
		}
	}
	out, err := codec.NewDecoder().Bytes(src)
	if err != nil {
		return nil, enc, fmt.Errorf("%w: %s: %v", ErrBadEncoding, enc, err)
	}
	if enc != "latin-1" && bytes.ContainsRune(out, utf8.RuneError) && !bytes.ContainsRune(src, utf8.RuneError) {
		// x/text decoders substitute U+FFFD for undefined bytes where
		// Python's strict codecs raise.
		return nil, enc, fmt.Errorf("%w: %s: undefined byte", ErrBadEncoding, enc)
	}
	return out, enc, nil
}

// undefinedBytes are bytes Python's strict codecs refuse but x/text's
// WHATWG-style decoders map to C1 controls.
var undefinedBytes = map[string][]byte{
	"cp1252": {0x81, 0x8d, 0x8f, 0x90, 0x9d}, "windows-1252": {0x81, 0x8d, 0x8f, 0x90, 0x9d},
	"cp1250": {0x81, 0x83, 0x88, 0x90, 0x98}, "cp1251": {0x98},
}

func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}
