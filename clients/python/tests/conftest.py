"""A real ``cordon serve`` on 127.0.0.1 for the session.

The binary is built here (``go build ./cmd/cordon``) unless CORDON_BIN
names one. Two tenants: ``main`` (generous rate) and ``slow`` (2 runs a
second, burst 1: for the 429 test). Scripts run with /usr/bin/python3."""

from __future__ import annotations

import json
import os
import secrets
import hashlib
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REPO = Path(__file__).resolve().parents[3]

CEILING = """
limits:
  wall_time: 10s
  cpu_time: 5s
  memory: 256MiB
  output: 256KiB
runtime:
  interpreter: /usr/bin/python3
"""


@dataclass
class Server:
    url: str
    tokens: dict[str, str]
    pubkey: str  # the audit log's verifier key (checkpoint.pub)
    dir: Path
    root: bool


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Server:
    d = tmp_path_factory.mktemp("serve")
    binary = os.environ.get("CORDON_BIN")
    if not binary:
        binary = str(d / "cordon")
        subprocess.run(["go", "build", "-o", binary, "./cmd/cordon"], cwd=REPO, check=True)
    root = os.geteuid() == 0
    ceiling = CEILING if root else CEILING + "isolation:\n  allow_degraded: [cgroup]\n"
    (d / "ceiling.yaml").write_text(ceiling)
    (d / "short.yaml").write_text(ceiling.replace("wall_time: 10s", "wall_time: 2s").replace("cpu_time: 5s", "cpu_time: 2s"))
    tokens = {n: "cdn_" + secrets.token_urlsafe(32) for n in ("main", "slow")}
    h = {n: hashlib.sha256(t.encode()).hexdigest() for n, t in tokens.items()}
    (d / "server.yaml").write_text(f"""state_dir: state
audit_dir: audit
workers: 3
tenants:
  - name: main
    token_sha256: [{h['main']}]
    policy: ceiling.yaml
    concurrency: 3
    runs_per_minute: 6000
    burst: 1000
    policies: {{short: short.yaml}}
  - name: slow
    token_sha256: [{h['slow']}]
    policy: ceiling.yaml
    runs_per_minute: 120
    burst: 1
""")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(d / "serve.log", "wb")
    proc = subprocess.Popen([binary, "serve", "--config", str(d / "server.yaml"), "--listen", f"127.0.0.1:{port}"],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"cordon serve exited {proc.returncode}: {(d / 'serve.log').read_text()}")
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        pub = (d / "audit" / "checkpoint.pub")
        # The key is made with the log's first checkpoint; ask for one.
        req = urllib.request.Request(url + "/v1/audit/checkpoint", headers={"Authorization": "Bearer " + tokens["main"]})
        try:
            urllib.request.urlopen(req, timeout=30).close()
        except OSError:
            pass
        yield Server(url, tokens, pub.read_text().strip() if pub.exists() else "", d, root)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture
def client(server: Server):
    from cordon import Client

    return Client(server.url, server.tokens["main"])


def pubkey(server: Server) -> str:
    p = server.dir / "audit" / "checkpoint.pub"
    return p.read_text().strip()


def dump(obj) -> str:
    return json.dumps(obj, indent=1)
