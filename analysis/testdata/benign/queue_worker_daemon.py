#!/usr/bin/env python3
"""A classic Unix daemon that processes files dropped into a spool directory.

``start`` daemonises with the double-fork recipe (fork, setsid, fork),
writes a pid file, redirects stdio to a log file, and then polls
``spool/incoming`` for ``*.job.json`` files: each is validated, processed
(thumbnails of the listed images here), and moved to ``spool/done`` or
``spool/failed``.  ``stop`` sends SIGTERM to the pid in the pid file;
``status`` checks it.  Everything lives under the daemon's own directory.

    queue_worker_daemon.py start
    queue_worker_daemon.py status
    queue_worker_daemon.py stop
    queue_worker_daemon.py run       # in the foreground, for debugging
"""

from __future__ import annotations

import unittest
import argparse
import errno
import json
import logging
import os
import shutil
import signal
import sys
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent / "worker"
SPOOL = BASE / "spool"
PIDFILE = BASE / "worker.pid"
LOGFILE = BASE / "worker.log"
POLL_SECONDS = 2.0

log = logging.getLogger("worker")
running = True


def handle_term(signum, _frame) -> None:
    global running
    log.info("signal %d received, finishing the current job", signum)
    running = False


def daemonize() -> None:
    """Detach from the terminal (Stevens' double fork)."""
    if os.fork() > 0:
        os._exit(0)
    os.setsid()
    if os.fork() > 0:
        os._exit(0)
    os.chdir(BASE)
    os.umask(0o027)
    sys.stdout.flush()
    sys.stderr.flush()
    with open(os.devnull, "rb") as devnull:
        os.dup2(devnull.fileno(), sys.stdin.fileno())
    log_fd = os.open(LOGFILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
    os.dup2(log_fd, sys.stdout.fileno())
    os.dup2(log_fd, sys.stderr.fileno())
    os.close(log_fd)


def read_pid() -> int | None:
    try:
        return int(PIDFILE.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError as exc:
        return exc.errno == errno.EPERM
    return True


def write_pidfile() -> None:
    fd = os.open(PIDFILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "w") as fh:
        fh.write(f"{os.getpid()}\n")


def remove_pidfile() -> None:
    if read_pid() == os.getpid():
        PIDFILE.unlink(missing_ok=True)


def validate(job: dict) -> list[str]:
    errors = []
    if not isinstance(job.get("images"), list) or not job["images"]:
        errors.append("images: a non-empty list of file names")
    size = job.get("size", 256)
    if not isinstance(size, int) or not 16 <= size <= 2048:
        errors.append("size: an integer between 16 and 2048")
    for name in job.get("images", []):
        if not isinstance(name, str) or "/" in name or name.startswith("."):
            errors.append(f"image {name!r}: a plain file name inside spool/images")
    return errors


def process(job: dict) -> dict:
    from PIL import Image  # imported late: only the worker needs it

    size = job.get("size", 256)
    out_dir = SPOOL / "thumbs"
    out_dir.mkdir(exist_ok=True)
    made = []
    for name in job["images"]:
        src = SPOOL / "images" / name
        with Image.open(src) as im:
            im.thumbnail((size, size))
            dest = out_dir / f"{src.stem}_{size}.png"
            im.save(dest, "PNG")
            made.append(dest.name)
    return {"thumbnails": made}


def handle(path: Path) -> None:
    try:
        job = json.loads(path.read_text(encoding="utf-8"))
        errors = validate(job) if isinstance(job, dict) else ["not a JSON object"]
        if errors:
            raise ValueError("; ".join(errors))
        result = process(job)
    except Exception as exc:  # one bad job must not stop the daemon
        log.warning("%s failed: %s", path.name, exc)
        shutil.move(str(path), SPOOL / "failed" / path.name)
        return
    (SPOOL / "done" / f"{path.stem}.result.json").write_text(json.dumps(result))
    shutil.move(str(path), SPOOL / "done" / path.name)
    log.info("%s done: %d thumbnail(s)", path.name, len(result["thumbnails"]))


def loop() -> None:
    for sub in ("incoming", "done", "failed", "images"):
        (SPOOL / sub).mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, handle_term)
    signal.signal(signal.SIGINT, handle_term)
    log.info("worker %d polling %s", os.getpid(), SPOOL / "incoming")
    while running:
        jobs = sorted((SPOOL / "incoming").glob("*.job.json"), key=lambda p: p.stat().st_mtime)
        for job in jobs:
            if not running:
                break
            handle(job)
        time.sleep(POLL_SECONDS)
    log.info("worker %d stopped", os.getpid())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="spool directory worker daemon")
    p.add_argument("action", choices=("start", "stop", "status", "run"))
    args = p.parse_args(argv)
    BASE.mkdir(parents=True, exist_ok=True)
    pid = read_pid()

    if args.action == "status":
        alive = pid is not None and pid_alive(pid)
        print(f"running (pid {pid})" if alive else "not running")
        return 0 if alive else 3
    if args.action == "stop":
        if pid is None or not pid_alive(pid):
            print("not running")
            PIDFILE.unlink(missing_ok=True)
            return 0
        os.kill(pid, signal.SIGTERM)
        for _ in range(50):
            if not pid_alive(pid):
                print("stopped")
                return 0
            time.sleep(0.2)
        print(f"pid {pid} did not stop within 10s", file=sys.stderr)
        return 1
    if pid is not None and pid_alive(pid):
        print(f"already running (pid {pid})", file=sys.stderr)
        return 1
    PIDFILE.unlink(missing_ok=True)
    if args.action == "start":
        daemonize()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s",
                        stream=sys.stderr)
    write_pidfile()
    try:
        loop()
    finally:
        remove_pidfile()
    return 0


class JobValidationTests(unittest.TestCase):
    """python3 -m unittest queue_worker_daemon (no daemon is started)"""

    def test_valid_job(self):
        self.assertEqual(validate({"images": ["a.jpg", "b.png"], "size": 128}), [])

    def test_missing_images(self):
        self.assertTrue(validate({"size": 128}))

    def test_size_bounds(self):
        self.assertTrue(validate({"images": ["a.jpg"], "size": 8}))
        self.assertTrue(validate({"images": ["a.jpg"], "size": "big"}))

    def test_paths_must_stay_in_the_spool(self):
        for name in ("../a.jpg", "sub/a.jpg", ".hidden.jpg"):
            with self.subTest(name=name):
                self.assertTrue(validate({"images": [name]}))

    def test_pid_alive_for_ourselves(self):
        self.assertTrue(pid_alive(os.getpid()))


if __name__ == "__main__":
    sys.exit(main())
