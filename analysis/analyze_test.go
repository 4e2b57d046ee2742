package analysis

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cordonsec/cordon/policy"
)

func analyze(t testing.TB, src string, opts Options) *Report {
	t.Helper()
	rep, err := Analyze(context.Background(), "t.py", []byte(src), opts)
	if err != nil {
		t.Fatalf("Analyze: %v", err)
	}
	return rep
}

func hasRule(rep *Report, rule string) bool {
	for _, f := range rep.Findings {
		if f.Rule == rule {
			return true
		}
	}
	return false
}

func deepIndent(levels int) string {
	var b strings.Builder
	for i := 0; i < levels; i++ {
		fmt.Fprintf(&b, "%sif x:\n", strings.Repeat(" ", i))
	}
	fmt.Fprintf(&b, "%simport os; os.system('id')\n", strings.Repeat(" ", levels))
	return b.String()
}

// TestRobustness: odd inputs each get a result, never a crash or a hang,
// and the ones the analyzer cannot vouch for fail closed.
func TestRobustness(t *testing.T) {
	big := strings.Repeat("def f(a, b):\n    return [x * 2 for x in range(a) if x % b]\n\n", 30000)
	bin := make([]byte, 4096)
	for i := range bin {
		bin[i] = byte(i * 7)
	}
	tests := []struct {
		name      string
		src       []byte
		opts      Options
		want      []string // rules that must be present
		wantHigh  bool
		truncated bool
		timedOut  bool
		syntax    bool
		// maxAllocMB, when set, bounds what the analysis allocates.
		maxAllocMB uint64
	}{
		{name: "empty", src: nil},
		{name: "comments only", src: []byte("# one\n# two\n")},
		{name: "only a BOM", src: []byte("\xef\xbb\xbf")},
		{name: "non-UTF-8 bytes", src: []byte("x = '\xff\xfe'\n"), want: []string{"CDN003"}, wantHigh: true},
		{name: "binary", src: bin, want: []string{"CDN003"}, wantHigh: true},
		{name: "NUL bytes in UTF-8", src: []byte("x = 1\x00\x00\nimport os\nos.system('x')\n"), wantHigh: true, syntax: true},
		// What is tested is that a 2 MB file is analysed whole; the time
		// bound has its own case below (a loaded CI machine under -race
		// may pass the 10 s default).
		{name: "2 MB file", src: []byte(big), opts: Options{Timeout: 2 * time.Minute}},
		{name: "5000-level nested expression", src: []byte("x = " + strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000)), want: []string{"CDN001"}, wantHigh: true},
		{name: "5000-level nested list", src: []byte("x = " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000)), want: []string{"CDN001"}, wantHigh: true},
		// Nesting 10,000 deep, each way Python can nest: fail closed, in
		// bounded memory (the tree is copied once, no recursion follows it).
		{name: "10,000-level nested expression", src: []byte("import os\nx = " + strings.Repeat("(", 10000) + "os.system(x)" + strings.Repeat(")", 10000)), want: []string{"CDN001"}, wantHigh: true, maxAllocMB: 64},
		{name: "10,000-level nested calls", src: []byte("x = " + strings.Repeat("f(", 10000) + "1" + strings.Repeat(")", 10000)), want: []string{"CDN001"}, wantHigh: true, maxAllocMB: 64},
		{name: "10,000-level nested lambdas", src: []byte("x = " + strings.Repeat("lambda: ", 10000) + "1"), want: []string{"CDN001"}, wantHigh: true, maxAllocMB: 64},
		{name: "10,000-level attribute chain", src: []byte("x = a" + strings.Repeat(".b", 10000)), want: []string{"CDN001"}, wantHigh: true, maxAllocMB: 64},
		{name: "10,000-level nested dicts", src: []byte("x = " + strings.Repeat("{1: ", 10000) + "1" + strings.Repeat("}", 10000)), want: []string{"CDN001"}, wantHigh: true, maxAllocMB: 64},
		// 10,000 indentation levels take at least 50 MB (each level one
		// more space): the size bound refuses them before parsing.
		{name: "10,000 indentation levels", src: []byte(deepIndent(10000)), want: []string{"CDN001"}, wantHigh: true, truncated: true, maxAllocMB: 1},
		{name: "10 MB file", src: []byte(strings.Repeat("def f(a, b):\n    return [x * 2 for x in range(a) if x % b]\n\n", 170000)), want: []string{"CDN001"}, wantHigh: true, truncated: true, maxAllocMB: 1},
		{name: "invalid syntax", src: []byte("def f(:\n  pass\nimport os\nos.system('id')\n"), want: []string{"CDN002", "CDN201"}, wantHigh: true, syntax: true},
		{name: "unterminated string", src: []byte("x = '''abc\n"), want: []string{"CDN002"}, syntax: true},
		{name: "99 indentation levels", src: []byte(deepIndent(99)), want: []string{"CDN201"}, wantHigh: true},
		{name: "1000 indentation levels", src: []byte(deepIndent(1000)), want: []string{"CDN001"}, wantHigh: true, syntax: true},
		{name: "over the size bound", src: []byte("x = 1\n" + strings.Repeat("#", 200)), opts: Options{MaxBytes: 100}, want: []string{"CDN001"}, wantHigh: true, truncated: true},
		{name: "doubling constant", src: []byte("a = 'ab'\n" + strings.Repeat("a = a + a\n", 80) + "b = 'x'\n" + strings.Repeat("b += b\n", 80))},
		{name: "same payload many times", src: []byte("s = '" + strings.Repeat("x = 1;", 20000) + "'\n" + strings.Repeat("exec(s)\n", 2000)), want: []string{"CDN108"}},
		// Re-checking a helper for each telling call stays within the
		// per-file budget.
		{name: "helper called 20,000 times with shell=True", src: []byte("import subprocess\ndef run(c, **kw):\n" + strings.Repeat("    c = c + '.'\n", 200) + "    subprocess.Popen(c, **kw)\n" + strings.Repeat("run(x, shell=True)\n", 20000)), opts: Options{Timeout: 2 * time.Minute}, want: []string{"CDN202"}, wantHigh: true, maxAllocMB: 512},
		{name: "many distinct payloads", src: []byte(manyPayloads(8)), want: []string{"CDN106", "CDN001"}, wantHigh: true},
		{name: "time bound", src: []byte(big), opts: Options{Timeout: time.Microsecond}, want: []string{"CDN001"}, wantHigh: true, timedOut: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			start := time.Now()
			rep, err := Analyze(context.Background(), "t.py", tc.src, tc.opts)
			if err != nil {
				t.Fatalf("Analyze: %v", err)
			}
			runtime.ReadMemStats(&m1)
			if mb := (m1.TotalAlloc - m0.TotalAlloc) >> 20; tc.maxAllocMB > 0 && mb > tc.maxAllocMB {
				t.Errorf("allocated %d MB, bound %d MB", mb, tc.maxAllocMB)
			}
			if d := time.Since(start); d > 3*time.Minute {
				t.Errorf("took %v", d)
			}
			for _, w := range tc.want {
				if !hasRule(rep, w) {
					t.Errorf("missing %s:%s", w, summary(rep))
				}
			}
			if got := len(rep.Blocks(policy.SeverityHigh)) > 0; got != tc.wantHigh {
				t.Errorf("high findings = %v, want %v:%s", got, tc.wantHigh, summary(rep))
			}
			if rep.Truncated != tc.truncated || rep.TimedOut != tc.timedOut {
				t.Errorf("truncated=%v timedOut=%v, want %v %v", rep.Truncated, rep.TimedOut, tc.truncated, tc.timedOut)
			}
			if got := len(rep.SyntaxErrors) > 0; got != tc.syntax {
				t.Errorf("syntax errors = %v, want %v: %+v", got, tc.syntax, rep.SyntaxErrors)
			}
			checkPositions(t, tc.src, rep)
		})
	}
}

// checkPositions: every finding points inside the file.
func checkPositions(t *testing.T, src []byte, rep *Report) {
	t.Helper()
	lines := bytes.Count(src, []byte("\n")) + 1
	for _, f := range rep.Findings {
		if f.Line < 1 || f.Line > lines || f.Column < 1 || f.EndLine < f.Line && f.EndLine != 0 {
			t.Errorf("finding %s at %d:%d-%d:%d outside a %d-line file", f.Rule, f.Line, f.Column, f.EndLine, f.EndColumn, lines)
		}
		if f.Severity.Rank() < 1 || f.Confidence == "" || f.Category == "" || f.Message == "" {
			t.Errorf("finding %s incomplete: %+v", f.Rule, f)
		}
	}
}

func TestCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Analyze(ctx, "t.py", []byte("import os\n"), Options{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// TestResolver: a finding names the real target whatever the spelling.
func TestResolver(t *testing.T) {
	tests := []struct {
		name, src, rule, target string
	}{
		{"import as", "import os as o\no.system('x')", "CDN201", "os.system"},
		{"from import as", "from os import system as s\ns('x')", "CDN201", "os.system"},
		{"star import", "from os import *\nsystem('x')", "CDN201", "os.system"},
		{"star import subprocess", "from subprocess import *\ncall('x', shell=True)", "CDN202", "subprocess.call"},
		{"dotted import", "import os.path\nos.system('x')", "CDN201", "os.system"},
		{"aliased dotted", "import xml.etree.ElementTree as ET\nET.parse('f')", "CDN304", "xml.etree.ElementTree.parse"},
		{"posix alias", "import posix\nposix.system('x')", "CDN201", "os.system"},
		{"assignment alias", "import os\nf = os.system\nf('x')", "CDN201", "os.system"},
		{"chained assignment", "import os\na = b = os.popen\nb('x')", "CDN201", "os.popen"},
		{"tuple assignment", "import os, subprocess\na, b = os.system, print\na('x')", "CDN201", "os.system"},
		{"module alias reassigned", "import subprocess\nsp = subprocess\nsp.Popen('x', shell=True)", "CDN202", "subprocess.Popen"},
		{"getattr constant", "import os\ngetattr(os, 'system')('x')", "CDN201", "os.system"},
		{"getattr concat", "import os\ng = getattr(os, 'sys' + 'tem')\ng('x')", "CDN201", "os.system"},
		{"getattr escapes", "import os\ngetattr(os, '\\x73ystem')('x')", "CDN201", "os.system"},
		{"getattr reversed", "import os\ngetattr(os, 'metsys'[::-1])('x')", "CDN201", "os.system"},
		{"getattr chr join", "import os\ngetattr(os, ''.join(map(chr, [115,121,115,116,101,109])))('x')", "CDN201", "os.system"},
		{"__import__ constant", "__import__('os').system('x')", "CDN201", "os.system"},
		{"__import__ concat", "m = __import__('o' + 's')\nm.popen('x')", "CDN201", "os.popen"},
		{"importlib", "import importlib\nimportlib.import_module('subprocess').getoutput('x')", "CDN201", "subprocess.getoutput"},
		{"sys.modules", "import sys\nsys.modules['os'].system('x')", "CDN201", "os.system"},
		{"module __dict__", "import os\nos.__dict__['system']('x')", "CDN201", "os.system"},
		{"vars(module)", "import os\nvars(os)['popen']('x')", "CDN201", "os.popen"},
		{"globals builtins", "globals()['__builtins__']['exec'](x)", "CDN101", "exec"},
		{"__builtins__ getattr", "getattr(__builtins__, 'eval')(x)", "CDN101", "eval"},
		{"builtins module", "import builtins\nbuiltins.exec(x)", "CDN101", "exec"},
		{"fullwidth identifier", "\uff45\uff58\uff45\uff43(x)", "CDN101", "exec"},
		{"walrus", "import os\nif (r := os.system):\n    r('x')", "CDN201", "os.system"},
		{"function sees module alias", "import os as q\ndef f():\n    q.system('x')", "CDN201", "os.system"},
		{"function defined before import", "def f():\n    q.system('x')\nimport os as q", "CDN201", "os.system"},
		{"method via class", "import subprocess as s\nclass A:\n    def m(self):\n        s.check_output('x', shell=True)", "CDN202", "subprocess.check_output"},
		{"with as", "import socket\nwith socket.create_connection(('h', 1)) as c:\n    pass", "CDN601", "socket.create_connection"},
		{"list element", "import os\nfs = [os.system]\nfs[0]('x')", "CDN201", "os.system"},
		{"exec of decoded payload", "import base64\nexec(base64.b64decode('aW1wb3J0IG9zO29zLnN5c3RlbSgnaWQnKQ=='))", "CDN201", "os.system"},
		{"eval of assembled import", "eval('__imp' + 'ort__(\"os\").system(\"id\")')", "CDN201", "os.system"},
		{"__getattribute__", "import os\nos.__getattribute__('system')('x')", "CDN201", "os.system"},
		{"shell via dict splat", "import subprocess\nsubprocess.run('x', **{'shell': True})", "CDN202", "subprocess.run"},
		{"lambda wrapper", "import os\nrun = lambda c: os.popen(c)\nrun('x')", "CDN201", "os.popen"},
		{"ctypes from import", "from ctypes import CDLL\nCDLL('libc.so.6')", "CDN801", "ctypes.CDLL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := analyze(t, tc.src, Options{})
			for _, f := range rep.Findings {
				if f.Rule == tc.rule && (f.Target == tc.target || strings.Contains(f.Message, tc.target)) {
					return
				}
			}
			t.Errorf("no %s naming %s:%s", tc.rule, tc.target, summary(rep))
		})
	}
}

// TestResolverShadowing: a local binding hides the module-level meaning.
func TestResolverShadowing(t *testing.T) {
	tests := []struct{ name, src string }{
		{"parameter shadows module", "import os\ndef f(os):\n    os.system('x')"},
		{"rebound name", "import os\nos = None\nos.system('x')"},
		{"local class", "class os:\n    def system(self, c): pass\nos().system('x')"},
		{"exec rebound", "exec = print\nexec(input())"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := analyze(t, tc.src, Options{})
			if hasRule(rep, "CDN201") || hasRule(rep, "CDN101") {
				t.Errorf("shadowed name still resolved:%s", summary(rep))
			}
		})
	}
}

func TestDecodeSource(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		enc     string
		want    string
		wantErr error
	}{
		{"plain", "x = 1\n", "utf-8", "x = 1\n", nil},
		{"bom", "\xef\xbb\xbfx = 1\n", "utf-8", "x = 1\n", nil},
		{"latin-1 cookie", "# -*- coding: latin-1 -*-\ns = '\xe9'\n", "latin-1", "# -*- coding: latin-1 -*-\ns = 'é'\n", nil},
		{"iso-8859-1 alias", "# coding=iso-8859-1\ns='\xe9'\n", "latin-1", "# coding=iso-8859-1\ns='é'\n", nil},
		{"cp1252 cookie", "# vim: set fileencoding=cp1252 :\ns = '\x93'\n", "cp1252", "# vim: set fileencoding=cp1252 :\ns = '\u201c'\n", nil},
		{"cookie on line 2", "#!/usr/bin/python\n# coding: latin-1\ns='\xe9'\n", "latin-1", "#!/usr/bin/python\n# coding: latin-1\ns='é'\n", nil},
		{"cookie on line 3 ignored", "#!/x\n#\n# coding: latin-1\n", "utf-8", "#!/x\n#\n# coding: latin-1\n", nil},
		{"cookie after code ignored", "x = 1\n# coding: latin-1\n", "utf-8", "x = 1\n# coding: latin-1\n", nil},
		{"utf-8 cookie", "# coding: utf_8\nx='é'\n", "utf-8", "# coding: utf_8\nx='é'\n", nil},
		{"unknown codec", "# coding: rot13\n", "rot13", "", ErrUnknownEncoding},
		{"invalid utf-8", "x = '\xff'\n", "utf-8", "", ErrBadEncoding},
		{"cp1252 undefined byte", "# coding: cp1252\nx = '\x81'\n", "cp1252", "", ErrBadEncoding},
		{"bom and other cookie", "\xef\xbb\xbf# coding: latin-1\n", "latin-1", "", ErrBadEncoding},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, enc, err := decodeSource([]byte(tc.src))
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if enc != tc.enc || string(out) != tc.want {
				t.Errorf("got %q %q, want %q %q", enc, out, tc.enc, tc.want)
			}
		})
	}
}

func TestDecodeConst(t *testing.T) {
	tests := []struct{ fn, in, enc, want string }{
		{"base64.b64decode", "aW1wb3J0IG9z", "", "import os"},
		{"base64.b64decode", "aW1wb3J0IG9z\n", "", "import os"},
		{"base64.urlsafe_b64decode", "aW1wb3J0IG9z", "", "import os"},
		{"base64.b32decode", "NFWXA33SOQQG64Y=", "", "import os"},
		{"bytes.fromhex", "69 6d 70", "", "imp"},
		{"binascii.unhexlify", "696d70", "", "imp"},
		{"codecs.decode", "vzcbeg bf", "rot13", "import os"},
		{"codecs.decode", "696d70", "hex", "imp"},
		{"zlib.decompress", "x\x9c\xcb\xcc-\xc8/*Q\xc8/\x06\x00\x12x\x03\xc4", "", "import os"},
	}
	for _, tc := range tests {
		t.Run(tc.fn, func(t *testing.T) {
			enc := value{}
			if tc.enc != "" {
				enc = value{isStr: true, str: tc.enc}
			}
			got, ok := decodeConst(tc.fn, tc.in, enc)
			if !ok || got != tc.want {
				t.Errorf("%s(%q) = %q, %v; want %q", tc.fn, tc.in, got, ok, tc.want)
			}
		})
	}
}

func TestUnescape(t *testing.T) {
	tests := []struct {
		in    string
		bytes bool
		want  string
	}{
		{`\x73ystem`, false, "system"},
		{`\163ystem`, false, "system"},
		{`\u0073ystem`, false, "system"},
		{`\U00000073ystem`, false, "system"},
		{`a\nb\tc\\`, false, "a\nb\tc\\"},
		{`\q`, false, `\q`},
		{`\xff`, true, "\xff"},
		{`\u0041`, true, `\u0041`},
		{`\x4`, false, `\x4`},
	}
	for _, tc := range tests {
		if got := unescape(tc.in, tc.bytes); got != tc.want {
			t.Errorf("unescape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestBlocksAndWaivers(t *testing.T) {
	src := "import os\nos.system('x')\nimport yaml\nyaml.load(s)\nimport random\nrandom.random()\n"
	rep := analyze(t, src, Options{})
	for _, tc := range []struct {
		th   policy.Severity
		want int
	}{{policy.SeverityHigh, 1}, {policy.SeverityMedium, 2}, {policy.SeverityLow, 3}, {policy.SeverityOff, 0}, {"bogus", 0}} {
		if got := len(rep.Blocks(tc.th)); got != tc.want {
			t.Errorf("Blocks(%s) = %d, want %d", tc.th, got, tc.want)
		}
	}
	if rep.Max() != policy.SeverityHigh {
		t.Errorf("Max = %s", rep.Max())
	}
	allow := []policy.RuleAllow{{Rule: "CDN201", Paths: []string{"tools/*.py"}}, {Rule: "CDN402"}}
	r1, _ := Analyze(context.Background(), "tools/x.py", []byte(src), Options{Allow: allow})
	if hasRule(r1, "CDN201") || hasRule(r1, "CDN402") || !hasRule(r1, "CDN303") || r1.Waived != 2 {
		t.Errorf("waivers for tools/x.py not applied:%s (waived %d)", summary(r1), r1.Waived)
	}
	r2, _ := Analyze(context.Background(), "src/x.py", []byte(src), Options{Allow: allow})
	if !hasRule(r2, "CDN201") || hasRule(r2, "CDN402") {
		t.Errorf("path waiver leaked to src/x.py:%s", summary(r2))
	}
	r3, _ := Analyze(context.Background(), "deep/dir/x.py", []byte(src), Options{Allow: []policy.RuleAllow{{Rule: "CDN201", Paths: []string{"x.py"}}}})
	if hasRule(r3, "CDN201") {
		t.Errorf("base-name waiver not applied")
	}
}

// TestConcurrent: Analyze from many goroutines gives the same reports as
// sequential calls (run with -race).
func TestConcurrent(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.py")
	want := map[string]*Report{}
	srcs := map[string][]byte{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		srcs[f] = src
		want[f], _ = Analyze(context.Background(), f, src, Options{})
	}
	var wg sync.WaitGroup
	errs := make(chan string, 1000)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, f := range files {
				got, err := Analyze(context.Background(), f, srcs[f], Options{})
				if err != nil || !reflect.DeepEqual(got, want[f]) {
					errs <- f
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for f := range errs {
		t.Errorf("%s: concurrent report differs", f)
	}
}

func TestRuleCatalogue(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Rules() {
		if seen[r.ID] || !strings.HasPrefix(r.ID, "CDN") || len(r.ID) != 6 {
			t.Errorf("bad or duplicate id %q", r.ID)
		}
		seen[r.ID] = true
		if r.Severity.Rank() < 1 || r.Summary == "" || r.Why == "" || r.Example == "" || r.Category == "" || r.Name == "" {
			t.Errorf("%s incomplete", r.ID)
		}
	}
	for q, id := range callRules {
		if _, ok := ruleByID[id]; !ok {
			t.Errorf("call %s maps to unknown rule %s", q, id)
		}
	}
}

func TestFStringInterpolationAnalysed(t *testing.T) {
	for _, src := range []string{
		"import os\nx = f\"{os.system(\"id\")}\"\n",
		"import os\nx = f'{os.popen(\"id\").read()!r:>10}'\n",
		"import os\nprint(f'a' f'{os.system(\"x\")}')\n",
	} {
		if rep := analyze(t, src, Options{}); !hasRule(rep, "CDN201") {
			t.Errorf("%q: call inside an f-string missed:%s", src, summary(rep))
		}
	}
}

// manyPayloads makes n exec calls of distinct zlib-packed payloads that
// expand to almost a megabyte each: far more code than the file's size.
func manyPayloads(n int) string {
	var b strings.Builder
	b.WriteString("import zlib, base64\n")
	for i := 0; i < n; i++ {
		var z bytes.Buffer
		w := zlib.NewWriter(&z)
		fmt.Fprintf(w, "x%d = 1\n%s", i, strings.Repeat("#\n", 400000))
		w.Close()
		fmt.Fprintf(&b, "exec(zlib.decompress(base64.b64decode('%s')))\n", base64.StdEncoding.EncodeToString(z.Bytes()))
	}
	return b.String()
}
