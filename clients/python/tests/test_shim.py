"""The BIP-04 drop-in: the dict's keys and values for ok, timeout,
memory-limit and rejected runs."""

from __future__ import annotations

import json

import pytest

from cordon import ScriptExecutionException, SecureScriptExecutor

KEYS = {"success", "return_code", "stdout", "stderr", "execution_time", "memory_used", "violations",
        "status", "layers", "run_id", "audit"}


@pytest.fixture
def executor(server, monkeypatch):
    monkeypatch.setenv("CORDON_URL", server.url)
    monkeypatch.setenv("CORDON_TOKEN", server.tokens["main"])
    return SecureScriptExecutor(None)


def script(tmp_path, text):
    p = tmp_path / "s.py"
    p.write_text(text)
    return str(p)


def test_ok(server, executor, tmp_path):
    d = executor.execute_script(script(tmp_path, "import sys\nprint('hi', sys.argv[1:])\n"), args=["a", "b"])
    assert KEYS <= set(d), d
    assert d["success"] is True and d["return_code"] == 0 and d["stdout"] == "hi ['a', 'b']\n" and d["stderr"] == ""
    assert isinstance(d["execution_time"], float) and 0 < d["execution_time"] < 10
    assert isinstance(d["memory_used"], int) and d["memory_used"] > 0
    assert d["violations"] == [] and d["status"] == "ok" and "error" not in d
    assert d["layers"]["seccomp"] == "active" and d["layers"]["audit"] == "active"
    assert d["audit"]["record"]["index"] >= 0 and d["audit"]["evidence"]["checkpoint"]


def test_timeout(executor, tmp_path):
    d = executor.execute_script(script(tmp_path, "import time\nwhile True: time.sleep(0.05)\n"), timeout=1)
    assert d["success"] is False and d["status"] == "timeout" and d["error"]
    assert d["return_code"] == -1 and 0.9 <= d["execution_time"] < 10


def test_memory_limit(server, tmp_path, monkeypatch):
    if not server.root:
        pytest.skip("memory-limit needs cgroups (root); without them the limit is RLIMIT_DATA and the script sees MemoryError")
    pol = tmp_path / "policy.json"
    pol.write_text(json.dumps({"limits": {"memory": "64MiB"}}))
    ex = SecureScriptExecutor(str(pol), url=server.url, token=server.tokens["main"])
    d = ex.execute_script(script(tmp_path, "b = b'x' * (200 << 20)\nprint(len(b))\n"))
    assert d["success"] is False and d["status"] == "memory-limit", d
    assert d["stdout"] == "" and d["memory_used"] > 32 << 20


def test_rejected(executor, tmp_path):
    d = executor.execute_script(script(tmp_path, "import os\nos.system(input())\n"))
    assert d["success"] is False and d["status"] == "rejected" and d["return_code"] == -1
    assert d["violations"] and d["violations"][0]["type"] == "static-analysis" and d["violations"][0]["severity"] == "high"
    assert d["violations"][0]["line"] == 2 and d["error"]


def test_refused_policy_and_missing_script(server, tmp_path):
    pol = tmp_path / "loose.json"
    pol.write_text(json.dumps({"limits": {"wall_time": "1h"}}))
    ex = SecureScriptExecutor(str(pol), url=server.url, token=server.tokens["main"])
    d = ex.execute_script(script(tmp_path, "print(1)\n"))
    assert d["success"] is False and d["status"] == "refused" and "policy-loosens" in d["error"]
    with pytest.raises(ScriptExecutionException):
        ex.execute_script(str(tmp_path / "missing.py"))


def test_yaml_policy_warns(server, tmp_path):
    pol = tmp_path / "security_policy.yml"
    pol.write_text("security:\n  timeout: 30\n")
    with pytest.warns(UserWarning, match="ceiling"):
        ex = SecureScriptExecutor(str(pol), url=server.url, token=server.tokens["main"])
    assert ex.execute_script(script(tmp_path, "print(1)\n"))["success"]
