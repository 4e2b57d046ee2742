#!/usr/bin/env python3
"""Start, stop and watch the local development services (a tiny supervisor).

Each service is a fixed command list; its pid goes into ``.run/NAME.pid``
under the project directory.  ``stop`` signals only pids recorded by us, and
only after checking that the process is still the command we started
(``/proc/PID/cmdline`` of that one pid), so a recycled pid is never hit.

    devserver_supervisor.py start           # all services
    devserver_supervisor.py status
    devserver_supervisor.py stop web
    devserver_supervisor.py logs worker -n 50
"""

from __future__ import annotations

from unittest import mock
import unittest
import argparse
import errno
import os
import signal
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parent
RUN_DIR = PROJECT / ".run"
LOG_DIR = PROJECT / ".run" / "logs"


@dataclass(frozen=True)
class Service:
    name: str
    argv: tuple[str, ...]
    port: int | None = None


SERVICES = {
    s.name: s
    for s in (
        Service("web", (sys.executable, "-m", "http.server", "8000", "--bind", "127.0.0.1"), 8000),
        Service("worker", (sys.executable, "-m", "app.worker", "--queue", "dev")),
        Service("mail", (sys.executable, "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:1025"), 1025),
    )
}


def pid_file(name: str) -> Path:
    return RUN_DIR / f"{name}.pid"


def read_pid(name: str) -> int | None:
    try:
        text = pid_file(name).read_text().strip()
    except FileNotFoundError:
        return None
    return int(text) if text.isdigit() else None


def cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError as exc:
        return exc.errno == errno.EPERM
    return True


def is_ours(service: Service, pid: int) -> bool:
    """The pid is alive and still runs the service's command."""
    if pid <= 1 or not alive(pid):
        return False
    args = cmdline(pid)
    return bool(args) and args[1:len(service.argv)] == list(service.argv[1:])


def start(service: Service) -> str:
    pid = read_pid(service.name)
    if pid and is_ours(service, pid):
        return f"{service.name}: already running (pid {pid})"
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = (LOG_DIR / f"{service.name}.log").open("ab")
    proc = subprocess.Popen(
        list(service.argv),
        cwd=PROJECT,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    pid_file(service.name).write_text(f"{proc.pid}\n")
    time.sleep(0.3)
    if proc.poll() is not None:
        pid_file(service.name).unlink(missing_ok=True)
        return f"{service.name}: exited immediately with {proc.returncode}; see logs"
    where = f" on http://127.0.0.1:{service.port}" if service.port else ""
    return f"{service.name}: started (pid {proc.pid}){where}"


def stop(service: Service, timeout: float = 10.0) -> str:
    pid = read_pid(service.name)
    if pid is None:
        return f"{service.name}: not running"
    if not is_ours(service, pid):
        pid_file(service.name).unlink(missing_ok=True)
        return f"{service.name}: stale pid file removed"
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
    pid_file(service.name).unlink(missing_ok=True)
    return f"{service.name}: stopped"


def status(service: Service) -> str:
    pid = read_pid(service.name)
    if pid and is_ours(service, pid):
        try:
            started = Path(f"/proc/{pid}").stat().st_mtime
            up = time.time() - started
        except OSError:
            up = 0
        return f"{service.name:<8} running  pid {pid:<7} up {int(up // 60)}m{int(up % 60):02d}s"
    return f"{service.name:<8} stopped"


def tail(service: Service, lines: int) -> str:
    path = LOG_DIR / f"{service.name}.log"
    if not path.exists():
        return f"{service.name}: no log yet"
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        return "".join(deque(fh, maxlen=lines))


def pick(names: list[str]) -> list[Service]:
    if not names:
        return list(SERVICES.values())
    unknown = [n for n in names if n not in SERVICES]
    if unknown:
        raise SystemExit(f"unknown service(s): {', '.join(unknown)} (have: {', '.join(SERVICES)})")
    return [SERVICES[n] for n in names]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="local dev service supervisor")
    sub = p.add_subparsers(dest="cmd", required=True)
    for cmd in ("start", "stop", "restart", "status"):
        sp = sub.add_parser(cmd)
        sp.add_argument("services", nargs="*")
    lg = sub.add_parser("logs")
    lg.add_argument("service")
    lg.add_argument("-n", type=int, default=30)
    args = p.parse_args(argv)

    RUN_DIR.mkdir(exist_ok=True)
    if args.cmd == "logs":
        print(tail(pick([args.service])[0], args.n), end="")
        return 0
    for svc in pick(args.services):
        if args.cmd == "start":
            print(start(svc))
        elif args.cmd == "stop":
            print(stop(svc))
        elif args.cmd == "restart":
            print(stop(svc))
            print(start(svc))
        else:
            print(status(svc))
    return 0


class SupervisorTests(unittest.TestCase):
    """python3 -m unittest devserver_supervisor (no process is started)"""

    def test_services_bind_localhost(self):
        for svc in SERVICES.values():
            joined = " ".join(svc.argv)
            if svc.port:
                self.assertIn("127.0.0.1", joined, svc.name)

    def test_pid_file_location(self):
        self.assertEqual(pid_file("web"), RUN_DIR / "web.pid")

    def test_recycled_pid_is_not_ours(self):
        svc = SERVICES["web"]
        with mock.patch(f"{__name__}.alive", return_value=True), \
                mock.patch(f"{__name__}.cmdline", return_value=["/usr/bin/python3", "-m", "other"]):
            self.assertFalse(is_ours(svc, 4242))

    def test_matching_cmdline_is_ours(self):
        svc = SERVICES["worker"]
        with mock.patch(f"{__name__}.alive", return_value=True), \
                mock.patch(f"{__name__}.cmdline", return_value=list(svc.argv)):
            self.assertTrue(is_ours(svc, 4242))

    def test_pid_one_is_never_ours(self):
        self.assertFalse(is_ours(SERVICES["web"], 1))

    def test_unknown_service_name(self):
        with self.assertRaises(SystemExit):
            pick(["nope"])


if __name__ == "__main__":
    sys.exit(main())
