"""The client of ``cordon serve`` (docs/server.md): runs, checks, events,
cancel, outputs and evidence over the HTTP API, with the standard library
only."""

from __future__ import annotations

import base64
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Mapping, Sequence, Union

from . import evidence as _evidence
from .errors import ProblemError, TransportError, error_for

__all__ = ["Client", "Result", "Event", "FileSpec"]

# Files: a mapping of name -> content (bytes are sent base64, str as
# UTF-8), or an iterable of local paths (sent under their base names).
FileSpec = Union[Mapping[str, Union[str, bytes]], Iterable[str]]

# ?wait asks the server to answer when the run ends within this many
# seconds; past it the client follows the run's event stream. It stays
# under the server's default max_wait (60 s).
_WAIT = 30


@dataclass
class Event:
    """One server-sent event of a run: ``status`` (queued, running),
    ``stdout``/``stderr`` (an output chunk) or ``result`` (the run)."""

    event: str
    data: dict[str, Any]
    id: str | None = None

    @property
    def text(self) -> str:
        """The output chunk of a stdout or stderr event."""
        return str(self.data.get("text", ""))

    @property
    def result(self) -> "Result | None":
        """The finished run of a result event."""
        return Result(self.data) if self.event == "result" else None


@dataclass
class Result:
    """A run as ``GET /v1/runs/{id}`` shows it; ``raw`` is that JSON. The
    fields of ``result`` (the object ``cordon run --json`` prints) are
    attributes here."""

    raw: dict[str, Any] = field(repr=False)

    @property
    def id(self) -> str:
        return str(self.raw.get("id", ""))

    @property
    def status(self) -> str:
        """queued, running, canceled, or the result's status (ok, exit-nonzero, timeout, ...)."""
        return str(self.raw.get("status", ""))

    @property
    def finished(self) -> bool:
        return self.status not in ("queued", "running", "")

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def result(self) -> dict[str, Any]:
        return dict(self.raw.get("result") or {})

    @property
    def exit_code(self) -> int:
        return int(self.result.get("exit_code", -1))

    @property
    def stdout(self) -> str:
        return str(self.result.get("stdout", ""))

    @property
    def stderr(self) -> str:
        return str(self.result.get("stderr", ""))

    @property
    def error(self) -> str:
        return str(self.result.get("error", ""))

    @property
    def truncated(self) -> dict[str, bool]:
        return dict(self.result.get("truncated") or {})

    @property
    def usage(self) -> dict[str, int]:
        return dict(self.result.get("usage") or {})

    @property
    def layers(self) -> dict[str, str]:
        return dict(self.result.get("layers") or {})

    @property
    def events(self) -> list[dict[str, Any]]:
        return list(self.result.get("events") or [])

    @property
    def findings(self) -> list[dict[str, Any]]:
        return list(self.result.get("findings") or [])

    @property
    def outputs(self) -> list[dict[str, Any]]:
        return list(self.result.get("outputs") or [])

    @property
    def audit(self) -> dict[str, Any] | None:
        a = self.result.get("audit")
        return dict(a) if a else None

    @property
    def evidence(self) -> dict[str, Any] | None:
        e = self.raw.get("evidence")
        return dict(e) if e else None

    def verify(self, checkpoint_pubkey: str) -> _evidence.Checkpoint:
        """Check the run's evidence with the log's verifier key (its text,
        or the path of ``checkpoint.pub``): the checkpoint's signature,
        the inclusion proof of the run's audit end record under it, and
        that the record is this run's end with this status. Returns the
        checkpoint; raises :class:`cordon.VerificationError` otherwise."""
        from .errors import VerificationError

        ev = self.evidence
        if not ev:
            raise VerificationError("the run carries no evidence" + (f": {self.raw['evidence_error']}" if self.raw.get("evidence_error") else ""))
        cp, records = _evidence.check_proof(ev, checkpoint_pubkey)
        audit = self.audit or {}
        for rec in records:
            if rec.get("i") != audit.get("index"):
                continue
            if rec.get("kind") != "run-end" or rec.get("run_id") != self.id:
                raise VerificationError(f"record {rec.get('i')} is not the end of run {self.id}")
            if (rec.get("end") or {}).get("status") != self.status:
                raise VerificationError(f"record {rec.get('i')} says status {(rec.get('end') or {}).get('status')!r}, the result {self.status!r}")
            for rp in ev["records"]:
                if rp["index"] == audit.get("index") and rp["hash"] != audit.get("leaf_hash"):
                    raise VerificationError("the proven record is not the one result.audit names")
            return cp
        raise VerificationError(f"the evidence does not prove record {audit.get('index')} (result.audit)")


class Client:
    """A client of ``cordon serve``.

    ``retries`` is how many times a request refused with 429 or 503 is
    sent again, each after the server's ``Retry-After`` (at most
    ``max_retry_wait`` seconds; a longer wait raises at once).
    ``http_timeout`` bounds each HTTP exchange, not the run.
    """

    def __init__(self, url: str, token: str, *, retries: int = 3, max_retry_wait: float = 60.0, http_timeout: float = 90.0):
        self.url = url.rstrip("/")
        self.token = token
        self.retries = retries
        self.max_retry_wait = max_retry_wait
        self.http_timeout = http_timeout
        self._ceilings: dict[str, dict[str, Any]] = {}

    # -- runs --------------------------------------------------------------

    def run(
        self,
        source: str | None = None,
        path: str | None = None,
        files: FileSpec | None = None,
        args: Sequence[str] = (),
        stdin: str | bytes | None = None,
        env: Mapping[str, str] | None = None,
        policy: Mapping[str, Any] | None = None,
        outputs: Sequence[str] | None = None,
        timeout: float | None = None,
        *,
        policy_name: str | None = None,
        name: str | None = None,
        wait: bool = True,
    ) -> Result:
        """Run a script (``source`` text, or the local file ``path``) and
        return the finished run (``wait=False``: as soon as it is queued).

        ``policy`` tightens the tenant's ceiling (or the offered policy
        ``policy_name``); ``timeout`` (seconds) tightens its wall-clock
        limit (and the CPU limit with it when that is longer)."""
        body = self._run_body(source, path, files, args, stdin, env, policy, outputs, timeout, policy_name, name)
        _, _, data = self._request("POST", "/v1/runs", body, query={"wait": str(_WAIT)} if wait else None)
        r = Result(data)
        if wait and not r.finished:
            r = self.wait(r.id)
        return r

    def stream(
        self,
        source: str | None = None,
        path: str | None = None,
        files: FileSpec | None = None,
        args: Sequence[str] = (),
        stdin: str | bytes | None = None,
        env: Mapping[str, str] | None = None,
        policy: Mapping[str, Any] | None = None,
        outputs: Sequence[str] | None = None,
        timeout: float | None = None,
        *,
        policy_name: str | None = None,
        name: str | None = None,
    ) -> Iterator[Event]:
        """Start a run and iterate over its events as they happen: output
        chunks while it runs, then one ``result`` event with the run."""
        r = self.run(source, path, files, args, stdin, env, policy, outputs, timeout, policy_name=policy_name, name=name, wait=False)
        return self.events(r.id)

    def events(self, run_id: str) -> Iterator[Event]:
        """The server-sent events of a run, resuming after a dropped
        connection (Last-Event-ID), ending with its ``result`` event."""
        last: str | None = None
        drops = 0
        while True:
            headers = {"Accept": "text/event-stream"}
            if last:
                headers["Last-Event-ID"] = last
            resp = self._open("GET", f"/v1/runs/{_q(run_id)}/events", headers=headers)
            try:
                for ev in _parse_sse(resp):
                    if ev.id and ev.id != "end":
                        last = ev.id
                    yield ev
                    if ev.event == "result":
                        return
            except (OSError, ValueError) as e:
                drops += 1
                if drops > self.retries:
                    raise TransportError(f"event stream of run {run_id}: {e}") from e
                continue
            finally:
                resp.close()
            drops += 1
            if drops > self.retries:
                raise TransportError(f"event stream of run {run_id} ended without a result")

    def wait(self, run_id: str) -> Result:
        """The run once it has finished (follows its event stream)."""
        for ev in self.events(run_id):
            if ev.event == "result":
                return Result(ev.data)
        raise TransportError(f"run {run_id}: no result")  # pragma: no cover

    def get(self, run_id: str) -> Result:
        """The run as the server has it now."""
        return Result(self._request("GET", f"/v1/runs/{_q(run_id)}")[2])

    def cancel(self, run_id: str) -> Result:
        """Cancel a run: a queued one never starts, a running one is
        killed (status canceled). A finished run raises ConflictError."""
        return Result(self._request("DELETE", f"/v1/runs/{_q(run_id)}")[2])

    def list(self, status: str | None = None, limit: int | None = None) -> list[Result]:
        """The tenant's runs, newest first (one page)."""
        q = {}
        if status:
            q["status"] = status
        if limit:
            q["limit"] = str(limit)
        data = self._request("GET", "/v1/runs", query=q)[2]
        return [Result(r) for r in data.get("runs") or []]

    def output(self, run_id: str, path: str) -> bytes:
        """A file the run returned (listed in ``result.outputs``)."""
        resp = self._open("GET", f"/v1/runs/{_q(run_id)}/outputs/{urllib.parse.quote(path)}")
        try:
            return resp.read()
        finally:
            resp.close()

    # -- analysis, policy, audit -------------------------------------------

    def check(self, source: str | None = None, path: str | None = None, files: FileSpec | None = None, fail_on: str | None = None, *, name: str | None = None) -> dict[str, Any]:
        """Static analysis only: the report ``cordon check --format json``
        prints (files, fail_on, failed, findings, syntax_errors, errors, counts)."""
        body: dict[str, Any] = {}
        src, nm = _script(source, path, name)
        if src is not None:
            body["source"], body["name"] = src, nm
        if files is not None:
            body["files"] = _files(files)
        if fail_on:
            body["fail_on"] = fail_on
        return self._request("POST", "/v1/check", body)[2]

    def policy(self, name: str | None = None) -> dict[str, Any]:
        """The tenant's ceiling policy, or an offered one by name."""
        return self._request("GET", "/v1/policy", query={"name": name} if name else None)[2]

    def checkpoint(self) -> str:
        """The newest signed checkpoint of the audit log (the signed note;
        check it with ``cordon.evidence.open_note``)."""
        return str(self._request("GET", "/v1/audit/checkpoint")[2]["checkpoint"])

    # -- plumbing -----------------------------------------------------------

    def _run_body(self, source, path, files, args, stdin, env, policy, outputs, timeout, policy_name, name) -> dict[str, Any]:
        src, nm = _script(source, path, name)
        if src is None:
            raise ValueError("give source (the script's text) or path (a local script file)")
        body: dict[str, Any] = {"source": src, "name": nm, "idempotency_key": uuid.uuid4().hex}
        if files is not None:
            body["files"] = _files(files)
        if args:
            if isinstance(args, str):
                raise TypeError("args is a sequence of strings, not one string")
            body["args"] = [str(a) for a in args]
        if stdin is not None:
            if isinstance(stdin, bytes):
                body["stdin"], body["stdin_encoding"] = base64.b64encode(stdin).decode(), "base64"
            else:
                body["stdin"] = stdin
        if env:
            body["env"] = dict(env)
        pol = json.loads(json.dumps(policy)) if policy else {}
        if timeout is not None:
            self._apply_timeout(pol, float(timeout), policy_name)
        if pol:
            body["policy"] = pol
        if policy_name:
            body["policy_name"] = policy_name
        if outputs:
            body["outputs"] = list(outputs)
        return body

    def _apply_timeout(self, pol: dict[str, Any], timeout: float, policy_name: str | None) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        ms = max(int(timeout * 1000), 1)
        limits = pol.setdefault("limits", {})
        limits["wall_time"] = f"{ms}ms"
        if "cpu_time" not in limits:
            # The CPU limit may not exceed the wall clock: lower it too
            # when the ceiling's is longer.
            key = policy_name or ""
            if key not in self._ceilings:
                self._ceilings[key] = self.policy(policy_name)
            cpu = _duration_ms(str(self._ceilings[key].get("limits", {}).get("cpu_time", "0s")))
            if cpu > ms:
                limits["cpu_time"] = f"{ms}ms"

    def _request(self, method: str, path: str, body: Any = None, query: Mapping[str, str] | None = None) -> tuple[int, Mapping[str, str], Any]:
        resp = self._open(method, path, body, query)
        try:
            raw = resp.read()
            status, headers = resp.status, resp.headers
        finally:
            resp.close()
        try:
            return status, headers, json.loads(raw) if raw else None
        except ValueError as e:
            raise TransportError(f"{method} {path}: the answer is not JSON: {e}") from e

    def _open(self, method: str, path: str, body: Any = None, query: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None):
        url = self.url + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = json.dumps(body).encode() if body is not None else None
        h = {"Authorization": "Bearer " + self.token, "User-Agent": "cordon-python"}
        if data is not None:
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        attempt = 0
        while True:
            req = urllib.request.Request(url, data=data, method=method, headers=h)
            try:
                return urllib.request.urlopen(req, timeout=self.http_timeout)
            except urllib.error.HTTPError as e:
                with e:
                    raw = e.read()
                retry_after = _retry_after(e.headers.get("Retry-After"))
                try:
                    problem = json.loads(raw)
                    if not isinstance(problem, dict):
                        raise ValueError
                except ValueError:
                    problem = {"type": "about:blank", "title": e.reason, "status": e.code, "detail": raw.decode(errors="replace")[:500]}
                if e.code in (429, 503) and attempt < self.retries:
                    wait = retry_after if retry_after is not None else min(2.0**attempt, self.max_retry_wait)
                    if wait <= self.max_retry_wait:
                        attempt += 1
                        time.sleep(wait)
                        continue
                raise error_for(problem, e.code, retry_after) from None
            except (urllib.error.URLError, OSError) as e:
                raise TransportError(f"{method} {url}: {getattr(e, 'reason', e)}") from e


def _q(s: str) -> str:
    return urllib.parse.quote(s, safe="")


def _script(source: str | None, path: str | None, name: str | None) -> tuple[str | None, str]:
    if source is not None and path is not None:
        raise ValueError("give source or path, not both")
    if path is not None:
        with open(path, encoding="utf-8") as f:
            return f.read(), name or os.path.basename(path)
    return source, name or "script.py"


def _files(files: FileSpec) -> list[dict[str, str]]:
    out = []
    if isinstance(files, Mapping):
        items = list(files.items())
    else:
        items = []
        for p in files:
            with open(p, "rb") as f:
                items.append((os.path.basename(p), f.read()))
    for name, content in items:
        if isinstance(content, bytes):
            out.append({"path": name, "content": base64.b64encode(content).decode(), "encoding": "base64"})
        else:
            out.append({"path": name, "content": content})
    return out


def _retry_after(v: str | None) -> float | None:
    if not v:
        return None
    try:
        return max(float(v), 0.0)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(parsedate_to_datetime(v).timestamp() - time.time(), 0.0)
        except (TypeError, ValueError):
            return None


_UNITS = {"ns": 1e-6, "us": 1e-3, "µs": 1e-3, "ms": 1, "s": 1000, "m": 60000, "h": 3600000}


def _duration_ms(s: str) -> float:
    """Milliseconds of a Go duration ("10s", "1m30s", "250ms")."""
    total, num = 0.0, ""
    i = 0
    while i < len(s):
        c = s[i]
        if c.isdigit() or c == ".":
            num += c
            i += 1
            continue
        j = i
        while j < len(s) and not (s[j].isdigit() or s[j] == "."):
            j += 1
        unit = s[i:j]
        total += float(num or 0) * _UNITS.get(unit, 0)
        num, i = "", j
    return total


def _parse_sse(resp) -> Iterator[Event]:
    event, data, eid = "message", [], None
    while True:
        line = resp.readline()
        if not line:
            return
        line = line.decode("utf-8").rstrip("\r\n")
        if line == "":
            if data:
                yield Event(event, json.loads("\n".join(data)), eid)
            event, data, eid = "message", [], None
        elif line.startswith(":"):
            continue
        else:
            k, _, v = line.partition(":")
            v = v[1:] if v.startswith(" ") else v
            if k == "event":
                event = v
            elif k == "data":
                data.append(v)
            elif k == "id":
                eid = v
