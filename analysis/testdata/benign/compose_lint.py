#!/usr/bin/env python3
"""Lint docker-compose files for risky settings before they are deployed.

Checks each service for:
  C001 privileged: true
  C002 the Docker socket mounted into the container (/var/run/docker.sock)
  C003 host network or host PID namespace
  C004 sensitive host paths mounted (/etc, /root, /proc, the host's /)
  C005 images without a pinned tag or digest (":latest" or none)
  C006 ports published on all interfaces instead of 127.0.0.1
  C007 capabilities added (cap_add), especially SYS_ADMIN / NET_ADMIN
  C008 secrets passed as plain environment values
  C009 no memory limit

The file is parsed with yaml.safe_load; nothing in it is executed.

    compose_lint.py docker-compose.yml
    compose_lint.py deploy/*.yml --format json --ignore C009
"""

from __future__ import annotations

import unittest
import argparse
import json
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterator

import yaml

DOCKER_SOCKET = "/var/run/docker.sock"
SENSITIVE_MOUNTS = ("/etc", "/root", "/proc", "/sys", "/boot", "/var/lib/docker")
DANGEROUS_CAPS = {"SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE", "DAC_READ_SEARCH", "ALL"}
SECRET_NAME_RE = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|PRIVATE_KEY)", re.IGNORECASE)


@dataclass
class Finding:
    file: str
    service: str
    code: str
    severity: str
    message: str


def host_path(volume: Any) -> str | None:
    if isinstance(volume, dict):
        if volume.get("type", "volume") != "bind":
            return None
        return str(volume.get("source", ""))
    text = str(volume)
    if ":" not in text:
        return None
    src = text.split(":", 1)[0]
    return src if src.startswith(("/", ".", "~")) else None


def env_items(env: Any) -> Iterator[tuple[str, str | None]]:
    if isinstance(env, dict):
        for k, v in env.items():
            yield str(k), None if v is None else str(v)
    elif isinstance(env, list):
        for item in env:
            k, sep, v = str(item).partition("=")
            yield k, v if sep else None


def check_service(file: str, name: str, svc: dict) -> Iterator[Finding]:
    def f(code: str, severity: str, message: str) -> Finding:
        return Finding(file, name, code, severity, message)

    if svc.get("privileged") is True:
        yield f("C001", "error", "runs privileged: the container is root on the host")
    for vol in svc.get("volumes", []) or []:
        src = host_path(vol)
        if src is None:
            continue
        if src.rstrip("/") == DOCKER_SOCKET:
            yield f("C002", "error", "mounts the Docker socket: full control of the host's Docker")
        elif src == "/":
            yield f("C004", "error", "mounts the host's root directory")
        elif any(src == p or src.startswith(p + "/") for p in SENSITIVE_MOUNTS):
            yield f("C004", "warning", f"mounts sensitive host path {src}")
    if svc.get("network_mode") == "host":
        yield f("C003", "warning", "uses the host network namespace")
    if svc.get("pid") == "host":
        yield f("C003", "error", "shares the host PID namespace")
    image = str(svc.get("image", ""))
    if image and "@sha256:" not in image:
        tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else ""
        if tag in ("", "latest"):
            yield f("C005", "warning", f"image {image!r} is not pinned to a version or digest")
    for port in svc.get("ports", []) or []:
        text = str(port.get("published", "")) if isinstance(port, dict) else str(port)
        host_ip = port.get("host_ip") if isinstance(port, dict) else None
        if isinstance(port, dict):
            exposed = host_ip in (None, "", "0.0.0.0", "::")
        else:
            exposed = text.count(":") < 2 or text.startswith(("0.0.0.0:", "[::]:"))
        if exposed:
            yield f("C006", "warning", f"port {text} is published on every interface; bind 127.0.0.1 "
                                        "unless it must be reachable from outside")
    caps = {str(c).upper() for c in svc.get("cap_add", []) or []}
    if caps & DANGEROUS_CAPS:
        yield f("C007", "error", f"adds capabilities {', '.join(sorted(caps & DANGEROUS_CAPS))}")
    elif caps:
        yield f("C007", "info", f"adds capabilities {', '.join(sorted(caps))}")
    for key, value in env_items(svc.get("environment")):
        if SECRET_NAME_RE.search(key) and value and not value.startswith("${"):
            yield f("C008", "error", f"{key} is set to a literal value; use secrets: or an env file")
    deploy_limits = ((svc.get("deploy") or {}).get("resources") or {}).get("limits") or {}
    if not svc.get("mem_limit") and not deploy_limits.get("memory"):
        yield f("C009", "info", "no memory limit")


def lint(path: Path) -> list[Finding]:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        return [Finding(str(path), "-", "C000", "error", f"not valid YAML: {exc}")]
    services = doc.get("services")
    if not isinstance(services, dict):
        return [Finding(str(path), "-", "C000", "error", "no services: mapping")]
    out: list[Finding] = []
    for name, svc in services.items():
        if isinstance(svc, dict):
            out.extend(check_service(str(path), str(name), svc))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="lint docker-compose files")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--ignore", action="append", default=[], help="rule code to skip (repeatable)")
    p.add_argument("--fail-on", choices=("error", "warning", "info"), default="error")
    args = p.parse_args(argv)
    order = {"info": 0, "warning": 1, "error": 2}
    findings = [f for path in args.files for f in lint(path) if f.code not in args.ignore]
    if args.format == "json":
        print(json.dumps([asdict(f) for f in findings], indent=2))
    else:
        for f in findings:
            print(f"{f.file}: {f.service}: {f.severity} {f.code} {f.message}")
        counts = {s: sum(1 for f in findings if f.severity == s) for s in order}
        print(f"{len(args.files)} file(s): {counts['error']} error(s), {counts['warning']} warning(s), "
              f"{counts['info']} info")
    worst = max((order[f.severity] for f in findings), default=-1)
    return 1 if worst >= order[args.fail_on] else 0


class ComposeRuleTests(unittest.TestCase):
    """python3 -m unittest compose_lint"""

    def codes(self, svc: dict) -> set[str]:
        return {f.code for f in check_service("t.yml", "web", svc)}

    def test_clean_service(self):
        svc = {"image": "nginx:1.25.4", "ports": ["127.0.0.1:8080:80"], "mem_limit": "256m"}
        self.assertEqual(self.codes(svc), set())

    def test_sensitive_bind_mount(self):
        svc = {"image": "x:1", "mem_limit": "1g", "volumes": [{"type": "bind", "source": "/etc", "target": "/h"}]}
        self.assertIn("C004", self.codes(svc))

    def test_latest_and_public_port(self):
        codes = self.codes({"image": "redis:latest", "ports": ["6379:6379"], "mem_limit": "1g"})
        self.assertEqual(codes, {"C005", "C006"})

    def test_literal_secret(self):
        svc = {"image": "x:1", "mem_limit": "1g", "environment": {"DB_PASSWORD": "hunter2", "DB_USER": "app"}}
        self.assertEqual(self.codes(svc), {"C008"})

    def test_secret_from_variable_is_fine(self):
        svc = {"image": "x:1", "mem_limit": "1g", "environment": ["API_TOKEN=${API_TOKEN}"]}
        self.assertEqual(self.codes(svc), set())

    def test_dangerous_capability(self):
        self.assertIn("C007", self.codes({"image": "x:1", "mem_limit": "1g", "cap_add": ["sys_admin"]}))

    def test_privileged_and_host_pid(self):
        codes = self.codes({"image": "x:1", "mem_limit": "1g", "privileged": True, "pid": "host"})
        self.assertEqual(codes, {"C001", "C003"})

    def test_named_volume_is_not_a_host_path(self):
        self.assertIsNone(host_path("data:/var/lib/postgresql/data"))
        self.assertEqual(host_path("./conf:/etc/app"), "./conf")

    def test_env_items_accepts_both_forms(self):
        self.assertEqual(list(env_items({"A": 1, "B": None})), [("A", "1"), ("B", None)])
        self.assertEqual(list(env_items(["A=1", "B"])), [("A", "1"), ("B", None)])

    def test_memory_limit_under_deploy(self):
        svc = {"image": "x:1", "deploy": {"resources": {"limits": {"memory": "512M"}}}}
        self.assertNotIn("C009", self.codes(svc))


if __name__ == "__main__":
    sys.exit(main())
