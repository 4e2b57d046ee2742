#!/usr/bin/env python3
"""Snapshot a project directory into dated tar.gz archives and prune old ones.

All state lives under the tool's own work directory (``./backups`` next to
this script unless --root says otherwise):

    backups/
        archives/2024-05-01T0300Z.tar.gz
        archives/2024-05-01T0300Z.sha256
        staging/          temporary copies while an archive is built
        manifest.json     what each archive holds

Retention keeps the newest N daily archives plus the newest archive of each
of the last M weeks.  Pruning only ever touches files inside archives/ that
match our own naming pattern; it refuses anything else.  There is no
"rm -rf" equivalent in here: files are removed one by one, by name.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import fnmatch
import hashlib
import json
import logging
import os
import re
import shutil
import sys
import tarfile
import tempfile
from pathlib import Path

log = logging.getLogger("backup")

HERE = Path(__file__).resolve().parent
ARCHIVE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{4}Z)\.tar\.gz$")
DEFAULT_EXCLUDES = ("*.pyc", "__pycache__", ".git", "node_modules", "*.tmp", ".venv")
CHUNK = 1 << 20


@dataclasses.dataclass
class Layout:
    root: Path

    @property
    def archives(self) -> Path:
        return self.root / "archives"

    @property
    def staging(self) -> Path:
        return self.root / "staging"

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"

    def ensure(self) -> None:
        self.archives.mkdir(parents=True, exist_ok=True)
        self.staging.mkdir(parents=True, exist_ok=True)

    def contains(self, path: Path) -> bool:
        try:
            path.resolve().relative_to(self.root.resolve())
        except ValueError:
            return False
        return True


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def excluded(rel: str, patterns: tuple[str, ...]) -> bool:
    parts = rel.split("/")
    return any(fnmatch.fnmatch(part, pat) for part in parts for pat in patterns)


def collect(source: Path, patterns: tuple[str, ...]) -> list[Path]:
    files = []
    for dirpath, dirnames, filenames in os.walk(source):
        rel_dir = os.path.relpath(dirpath, source)
        dirnames[:] = sorted(d for d in dirnames
                             if not excluded(os.path.normpath(os.path.join(rel_dir, d)), patterns))
        for name in sorted(filenames):
            rel = os.path.normpath(os.path.join(rel_dir, name))
            if not excluded(rel, patterns):
                files.append(Path(dirpath, name))
    return files


def stamp(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H%MZ")


def parse_stamp(name: str) -> dt.datetime | None:
    m = ARCHIVE_RE.match(name)
    if not m:
        return None
    return dt.datetime.strptime(m.group(1), "%Y-%m-%dT%H%MZ").replace(tzinfo=dt.timezone.utc)


def load_manifest(layout: Layout) -> dict:
    if layout.manifest.exists():
        return json.loads(layout.manifest.read_text(encoding="utf-8"))
    return {"archives": {}}


def save_manifest(layout: Layout, manifest: dict) -> None:
    # Write to a temporary file in the same directory, then rename: a crash
    # never leaves a half-written manifest behind.
    fd, tmp = tempfile.mkstemp(prefix=".manifest-", suffix=".json", dir=layout.root)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=2, sort_keys=True)
        fh.write("\n")
    os.replace(tmp, layout.manifest)


def create_archive(layout: Layout, source: Path, patterns: tuple[str, ...],
                   when: dt.datetime) -> Path:
    layout.ensure()
    files = collect(source, patterns)
    if not files:
        raise SystemExit(f"nothing to back up in {source}")
    name = f"{stamp(when)}.tar.gz"
    final = layout.archives / name
    if final.exists():
        raise SystemExit(f"{final} already exists; one archive per minute")
    with tempfile.TemporaryDirectory(dir=layout.staging) as work:
        partial = Path(work) / name
        with tarfile.open(partial, "w:gz") as tar:
            for f in files:
                tar.add(f, arcname=str(f.relative_to(source)), recursive=False)
        digest = sha256_file(partial)
        shutil.move(str(partial), final)
    (layout.archives / f"{stamp(when)}.sha256").write_text(f"{digest}  {name}\n")
    manifest = load_manifest(layout)
    manifest["archives"][name] = {
        "created": when.isoformat(),
        "source": str(source),
        "files": len(files),
        "bytes": final.stat().st_size,
        "sha256": digest,
    }
    save_manifest(layout, manifest)
    log.info("wrote %s (%d files, %d bytes)", final, len(files), final.stat().st_size)
    return final


def plan_retention(names: list[str], keep_daily: int, keep_weekly: int) -> tuple[list[str], list[str]]:
    dated = sorted(((parse_stamp(n), n) for n in names if parse_stamp(n)), reverse=True)
    keep: set[str] = set()
    days_seen: set[dt.date] = set()
    for when, n in dated:
        if len(days_seen) >= keep_daily:
            break
        if when.date() not in days_seen:
            days_seen.add(when.date())
            keep.add(n)
    weeks_seen: set[tuple[int, int]] = set()
    for when, n in dated:
        week = when.isocalendar()[:2]
        if week not in weeks_seen and len(weeks_seen) < keep_weekly:
            weeks_seen.add(week)
            keep.add(n)
    drop = [n for _, n in dated if n not in keep]
    return sorted(keep), drop


def prune(layout: Layout, keep_daily: int, keep_weekly: int, dry_run: bool) -> list[str]:
    if not layout.archives.is_dir():
        return []
    names = [p.name for p in layout.archives.iterdir() if ARCHIVE_RE.match(p.name)]
    _keep, drop = plan_retention(names, keep_daily, keep_weekly)
    manifest = load_manifest(layout)
    for name in drop:
        archive = layout.archives / name
        checksum = archive.with_name(name.replace(".tar.gz", ".sha256"))
        for victim in (archive, checksum):
            if not layout.contains(victim):
                raise RuntimeError(f"refusing to delete {victim}: outside {layout.root}")
            if dry_run:
                log.info("would delete %s", victim)
            elif victim.exists():
                victim.unlink()
                log.info("deleted %s", victim)
        manifest["archives"].pop(name, None)
    if not dry_run:
        save_manifest(layout, manifest)
    return drop


def verify(layout: Layout) -> int:
    manifest = load_manifest(layout)
    bad = 0
    for name, meta in sorted(manifest["archives"].items()):
        path = layout.archives / name
        if not path.exists():
            print(f"MISSING  {name}")
            bad += 1
            continue
        actual = sha256_file(path)
        ok = actual == meta["sha256"]
        print(f"{'OK      ' if ok else 'CORRUPT '} {name}")
        bad += not ok
    return bad


def clean_staging(layout: Layout) -> None:
    """Remove leftovers of interrupted runs (only inside our staging dir)."""
    if not layout.staging.is_dir():
        return
    for entry in layout.staging.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="dated tar.gz backups with retention")
    p.add_argument("--root", type=Path, default=HERE / "backups",
                   help="work directory holding archives (default: ./backups)")
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("create")
    c.add_argument("source", type=Path)
    c.add_argument("--exclude", action="append", default=[])
    r = sub.add_parser("prune")
    r.add_argument("--daily", type=int, default=7)
    r.add_argument("--weekly", type=int, default=4)
    r.add_argument("--dry-run", action="store_true")
    sub.add_parser("verify")
    sub.add_parser("clean")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    layout = Layout(args.root.resolve())
    if args.cmd == "create":
        if not args.source.is_dir():
            p.error(f"{args.source} is not a directory")
        create_archive(layout, args.source.resolve(),
                       DEFAULT_EXCLUDES + tuple(args.exclude), dt.datetime.now(dt.timezone.utc))
    elif args.cmd == "prune":
        dropped = prune(layout, args.daily, args.weekly, args.dry_run)
        print(f"{len(dropped)} archive(s) {'would be ' if args.dry_run else ''}removed")
    elif args.cmd == "verify":
        return 1 if verify(layout) else 0
    elif args.cmd == "clean":
        clean_staging(layout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
