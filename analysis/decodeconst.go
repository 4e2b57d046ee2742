package analysis

// Decoding constant payloads in Go, so that exec(b64decode("...")) has its
// payload analysed. Output is bounded: a decompression bomb stops at
// maxDecoded bytes.

import (
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"compress/zlib"
	"encoding/ascii85"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"io"
	"strings"
)

const maxDecoded = 1 << 20

func decodeConst(q, in string, enc value) (string, bool) {
	switch q {
	case "base64.b64decode", "base64.standard_b64decode", "base64.decodebytes", "base64.decodestring", "binascii.a2b_base64":
		return b64(in, base64.StdEncoding)
	case "base64.urlsafe_b64decode":
		return b64(in, base64.URLEncoding)
	case "base64.b32decode":
		b, err := base32.StdEncoding.DecodeString(strings.TrimSpace(in))
		return string(b), err == nil
	case "base64.b16decode", "binascii.unhexlify", "binascii.a2b_hex", "bytes.fromhex", "bytearray.fromhex", "builtins.bytes.fromhex", "builtins.bytearray.fromhex":
		b, err := hex.DecodeString(strings.Join(strings.Fields(in), ""))
		return string(b), err == nil
	case "base64.a85decode":
		out := make([]byte, 4*len(in))
		n, _, err := ascii85.Decode(out, []byte(in), true)
		return string(out[:n]), err == nil
	case "zlib.decompress":
		r, err := zlib.NewReader(strings.NewReader(in))
		if err != nil {
			return "", false
		}
		return readBounded(r)
	case "gzip.decompress":
		r, err := gzip.NewReader(strings.NewReader(in))
		if err != nil {
			return "", false
		}
		return readBounded(r)
	case "bz2.decompress":
		return readBounded(bzip2.NewReader(strings.NewReader(in)))
	case "codecs.decode":
		name := "utf-8"
		if enc.isStr {
			name = strings.ToLower(strings.ReplaceAll(enc.str, "-", "_"))
		}
		switch name {
		case "rot13", "rot_13":
			return rot13(in), true
		case "base64", "base_64", "base64_codec":
			return b64(in, base64.StdEncoding)
		case "hex", "hex_codec":
			b, err := hex.DecodeString(in)
			return string(b), err == nil
		case "zlib", "zlib_codec", "zip":
			return decodeConst("zlib.decompress", in, value{})
		case "utf_8", "utf8", "ascii", "latin_1", "latin1":
			return in, true
		}
	}
	return "", false
}

func b64(in string, e *base64.Encoding) (string, bool) {
	s := strings.Join(strings.Fields(in), "")
	if b, err := e.DecodeString(s); err == nil {
		return string(b), true
	}
	if b, err := e.WithPadding(base64.NoPadding).DecodeString(strings.TrimRight(s, "=")); err == nil {
		return string(b), true
	}
	return "", false
}

func readBounded(r io.Reader) (string, bool) {
	var b bytes.Buffer
	_, err := io.Copy(&b, io.LimitReader(r, maxDecoded))
	if err != nil && b.Len() == 0 {
		return "", false
	}
	return b.String(), true
}

func rot13(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return 'a' + (r-'a'+13)%26
		case r >= 'A' && r <= 'Z':
			return 'A' + (r-'A'+13)%26
		}
		return r
	}, s)
}
