#!/usr/bin/env python3
"""Rotate and compress an application's log files (a small logrotate for
setups without root).

For each log under the app's own log directory: when it is larger than
--max-size or older than --max-age, rename it to NAME.1, shift NAME.1 to
NAME.2.gz and so on, gzip the old generations, and keep --keep generations.
The live file is recreated empty with the same mode, or copied and truncated
(--copytruncate) for apps that keep the file open.

    log_rotator.py --dir ./logs --max-size 10M --keep 7
    log_rotator.py --dir ./logs --max-age 1d --copytruncate --dry-run
"""

from __future__ import annotations

import unittest
import tempfile
import argparse
import gzip
import logging
import os
import re
import shutil
import stat
import sys
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("rotator")

GEN_RE = re.compile(r"^(?P<base>.+)\.(?P<n>\d+)(?P<gz>\.gz)?$")
SIZE_RE = re.compile(r"^(\d+(?:\.\d+)?)([KMG]?)$", re.IGNORECASE)
AGE_RE = re.compile(r"^(\d+)([smhd])$")


def parse_size(text: str) -> int:
    m = SIZE_RE.match(text.strip())
    if not m:
        raise argparse.ArgumentTypeError("size like 500K, 10M or 1G")
    mult = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[m.group(2).upper()]
    return int(float(m.group(1)) * mult)


def parse_age(text: str) -> int:
    m = AGE_RE.match(text.strip())
    if not m:
        raise argparse.ArgumentTypeError("age like 30m, 12h or 7d")
    return int(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


@dataclass
class Policy:
    max_size: int | None
    max_age: int | None
    keep: int
    copytruncate: bool
    compress: bool
    dry_run: bool


class Rotator:
    def __init__(self, directory: Path, policy: Policy) -> None:
        self.dir = directory.resolve()
        self.policy = policy

    def inside(self, p: Path) -> bool:
        return p.resolve().parent == self.dir

    def live_logs(self, pattern: str) -> list[Path]:
        return sorted(p for p in self.dir.glob(pattern)
                      if p.is_file() and not p.is_symlink() and not GEN_RE.match(p.name))

    def generations(self, live: Path) -> list[tuple[int, Path]]:
        gens = []
        for p in self.dir.iterdir():
            m = GEN_RE.match(p.name)
            if m and m.group("base") == live.name:
                gens.append((int(m.group("n")), p))
        return sorted(gens)

    def due(self, live: Path, now: float) -> str | None:
        st = live.stat()
        if st.st_size == 0:
            return None
        if self.policy.max_size is not None and st.st_size >= self.policy.max_size:
            return f"size {st.st_size} >= {self.policy.max_size}"
        if self.policy.max_age is not None and now - st.st_mtime >= self.policy.max_age:
            return f"age {int(now - st.st_mtime)}s >= {self.policy.max_age}s"
        return None

    def act(self, what: str, fn, *args) -> None:
        log.info("%s%s", "would " if self.policy.dry_run else "", what)
        if not self.policy.dry_run:
            fn(*args)

    def gzip_file(self, src: Path) -> None:
        dst = src.with_name(src.name + ".gz")
        with src.open("rb") as fin, gzip.open(dst, "wb", compresslevel=6) as fout:
            shutil.copyfileobj(fin, fout, 1 << 20)
        shutil.copystat(src, dst)
        src.unlink()

    def rotate(self, live: Path) -> None:
        gens = self.generations(live)
        for n, path in reversed(gens):
            if not self.inside(path):
                raise RuntimeError(f"refusing to touch {path}: outside {self.dir}")
            if n >= self.policy.keep:
                self.act(f"delete {path.name}", path.unlink)
                continue
            suffix = ".gz" if path.name.endswith(".gz") else ""
            target = live.with_name(f"{live.name}.{n + 1}{suffix}")
            self.act(f"rename {path.name} -> {target.name}", os.replace, path, target)
        first = live.with_name(f"{live.name}.1")
        mode = stat.S_IMODE(live.stat().st_mode)
        if self.policy.copytruncate:
            self.act(f"copy {live.name} -> {first.name}", shutil.copy2, live, first)
            self.act(f"truncate {live.name}", os.truncate, live, 0)
        else:
            self.act(f"rename {live.name} -> {first.name}", os.replace, live, first)
            self.act(f"recreate {live.name} mode {oct(mode)}", self.recreate, live, mode)
        if self.policy.compress:
            # Generation 1 stays plain for a day of easy grepping; compress 2+.
            for n, path in self.generations(live):
                if n >= 2 and not path.name.endswith(".gz"):
                    self.act(f"compress {path.name}", self.gzip_file, path)

    @staticmethod
    def recreate(live: Path, mode: int) -> None:
        fd = os.open(live, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode)
        os.close(fd)

    def run(self, pattern: str) -> int:
        now = time.time()
        rotated = 0
        for live in self.live_logs(pattern):
            reason = self.due(live, now)
            if reason is None:
                log.debug("%s: not due", live.name)
                continue
            log.info("%s: rotating (%s)", live.name, reason)
            try:
                self.rotate(live)
                rotated += 1
            except OSError as exc:
                log.error("%s: %s", live.name, exc)
        return rotated


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="rotate and gzip log files in one directory")
    p.add_argument("--dir", type=Path, default=Path(__file__).resolve().parent / "logs")
    p.add_argument("--pattern", default="*.log")
    p.add_argument("--max-size", type=parse_size)
    p.add_argument("--max-age", type=parse_age)
    p.add_argument("--keep", type=int, default=7)
    p.add_argument("--copytruncate", action="store_true")
    p.add_argument("--no-compress", action="store_true")
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(message)s")
    if args.max_size is None and args.max_age is None:
        p.error("give --max-size, --max-age or both")
    if not 1 <= args.keep <= 365:
        p.error("--keep between 1 and 365")
    if not args.dir.is_dir():
        p.error(f"{args.dir} is not a directory")
    policy = Policy(args.max_size, args.max_age, args.keep, args.copytruncate,
                    not args.no_compress, args.dry_run)
    n = Rotator(args.dir, policy).run(args.pattern)
    log.info("%d file(s) rotated", n)
    return 0


class RotationTests(unittest.TestCase):
    """python3 -m unittest log_rotator"""

    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.dir = Path(self.tmp.name)

    def rotator(self, **kw) -> Rotator:
        pol = dict(max_size=10, max_age=None, keep=3, copytruncate=False, compress=True, dry_run=False)
        pol.update(kw)
        return Rotator(self.dir, Policy(**pol))

    def test_parsers(self):
        self.assertEqual(parse_size("10M"), 10 << 20)
        self.assertEqual(parse_age("2h"), 7200)
        with self.assertRaises(argparse.ArgumentTypeError):
            parse_size("ten")

    def test_rotation_shifts_and_compresses(self):
        live = self.dir / "app.log"
        for round_ in range(3):
            live.write_text(f"round {round_} " * 5)
            self.assertEqual(self.rotator().run("*.log"), 1)
        names = sorted(p.name for p in self.dir.iterdir())
        self.assertEqual(names, ["app.log", "app.log.1", "app.log.2.gz", "app.log.3.gz"])
        self.assertEqual(live.stat().st_size, 0)

    def test_dry_run_changes_nothing(self):
        (self.dir / "app.log").write_text("x" * 100)
        self.rotator(dry_run=True).run("*.log")
        self.assertEqual([p.name for p in self.dir.iterdir()], ["app.log"])

    def test_small_file_is_not_due(self):
        (self.dir / "app.log").write_text("x")
        self.assertEqual(self.rotator().run("*.log"), 0)


if __name__ == "__main__":
    sys.exit(main())
