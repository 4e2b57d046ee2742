"""A drop-in for the BIP-04 executor: ``SecureScriptExecutor(policy_path)
.execute_script(script_path, args=None, timeout=None)`` returning the dict
its callers read, with the run done by ``cordon serve``.

Change ``from secure import SecureScriptExecutor`` to ``from cordon import
SecureScriptExecutor`` and set ``CORDON_URL`` and ``CORDON_TOKEN`` (or pass
``url=`` and ``token=``). The mapping of every key is in the README."""

from __future__ import annotations

import json
import os
import warnings
from typing import Any, Sequence

from .client import Client, Result
from .errors import CordonError, ProblemError

__all__ = ["SecureScriptExecutor", "ScriptExecutionException"]

# Event types that are security violations in BIP-04's sense.
_VIOLATION_EVENTS = ("security-violation", "syscall-refused", "network-refused")


class ScriptExecutionException(CordonError):
    """Raised by ``execute_script`` for a script that cannot be sent (a
    missing file); refusals and failed runs come back in the dict."""


class SecureScriptExecutor:
    """The BIP-04 executor's shape over Cordon.

    ``policy_path``: a JSON file of policy overrides (the API's ``policy``
    object: it may only tighten the tenant's ceiling), or ``None`` for the
    ceiling. A BIP-04 YAML policy is not translated: the server's ceiling
    applies instead, with a warning (``cordon`` policies live on the
    server)."""

    def __init__(self, policy_path: str | None = None, *, url: str | None = None, token: str | None = None,
                 policy_name: str | None = None, client: Client | None = None):
        self.policy_path = policy_path
        self.policy_name = policy_name
        self.policy: dict[str, Any] | None = None
        if policy_path:
            with open(policy_path, encoding="utf-8") as f:
                text = f.read()
            try:
                p = json.loads(text)
                if not isinstance(p, dict):
                    raise ValueError("not an object")
                self.policy = p
            except ValueError:
                warnings.warn(f"{policy_path} is not a JSON policy override; the server's ceiling policy applies", stacklevel=2)
        if client is None:
            url = url or os.environ.get("CORDON_URL")
            token = token or os.environ.get("CORDON_TOKEN")
            if not url or not token:
                raise ScriptExecutionException("no server: pass url= and token= or set CORDON_URL and CORDON_TOKEN")
            client = Client(url, token)
        self.client = client

    def execute_script(self, script_path: str, args: Sequence[str] | None = None, timeout: float | None = None) -> dict[str, Any]:
        """Run script_path with args; timeout (seconds) tightens the
        wall-clock limit. Returns the BIP-04 dict plus Cordon's status,
        layers and audit evidence."""
        if not os.path.isfile(script_path):
            raise ScriptExecutionException(f"script not found: {script_path}")
        try:
            r = self.client.run(path=script_path, args=list(args or ()), policy=self.policy, timeout=timeout,
                                policy_name=self.policy_name)
        except ProblemError as e:
            return _refused(e)
        return to_dict(r)


def to_dict(r: Result) -> dict[str, Any]:
    """The BIP-04 dict of a finished run."""
    usage = r.usage
    violations = []
    for f in r.findings:
        violations.append({"type": "static-analysis", "rule": f.get("rule"), "severity": f.get("severity"),
                           "line": f.get("line"), "message": f.get("message")})
    for e in r.events:
        if e.get("type") in _VIOLATION_EVENTS:
            violations.append({"type": e.get("type"), "message": e.get("message", "")})
    d: dict[str, Any] = {
        "success": r.status == "ok",
        "return_code": r.exit_code,
        "stdout": r.stdout,
        "stderr": r.stderr,
        "execution_time": usage.get("wall_ms", 0) / 1000.0,
        "memory_used": usage.get("peak_memory_bytes", 0),
        "violations": violations,
        "status": r.status,
        "layers": r.layers,
        "run_id": r.id,
        "audit": {"record": r.audit, "evidence": r.evidence},
    }
    if r.status != "ok":
        d["error"] = r.error or r.status
    return d


def _refused(e: ProblemError) -> dict[str, Any]:
    """A run the server refused before accepting it (a policy that loosens,
    a rate limit past the retries): the dict of a failure that never ran."""
    return {
        "success": False, "return_code": -1, "stdout": "", "stderr": "", "execution_time": 0.0, "memory_used": 0,
        "violations": [{"type": e.type, "message": str(e)}],
        "status": "refused", "layers": {}, "run_id": None, "audit": None, "error": str(e),
    }
