#!/usr/bin/env python3
"""Restore a project snapshot (tar.gz or zip) into a fresh directory.

Archives come from our own backup job, but a restore tool must still treat
them as untrusted input: a member named ``../../etc/cron.d/x`` or
``/home/user/.bashrc`` must never be written outside the target.  For tar
files we use the ``data`` extraction filter (Python 3.12+, back-ported to
3.11.4); for zip files every member name is checked by hand.

    restore_archive.py backups/archives/2024-05-01T0300Z.tar.gz restored/
    restore_archive.py export.zip restored/ --verify manifest.json
"""

from __future__ import annotations

import unittest
import tempfile
import io
import argparse
import hashlib
import json
import os
import stat
import sys
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

MAX_MEMBERS = 100_000
MAX_TOTAL_BYTES = 20 * 1024**3
MAX_RATIO = 200  # zip bomb guard: uncompressed / compressed


class UnsafeArchive(Exception):
    pass


def safe_member_path(target: Path, name: str) -> Path:
    pure = PurePosixPath(name)
    if pure.is_absolute() or name.startswith(("\\", "/")) or ":" in pure.parts[0] if pure.parts else False:
        raise UnsafeArchive(f"absolute member name {name!r}")
    if any(part == ".." for part in pure.parts):
        raise UnsafeArchive(f"member escapes the target: {name!r}")
    dest = (target / Path(*pure.parts)).resolve()
    if target.resolve() not in (dest, *dest.parents):
        raise UnsafeArchive(f"member escapes the target: {name!r}")
    return dest


def restore_tar(archive: Path, target: Path) -> int:
    with tarfile.open(archive, "r:*") as tar:
        members = tar.getmembers()
        if len(members) > MAX_MEMBERS:
            raise UnsafeArchive(f"{len(members)} members is more than {MAX_MEMBERS}")
        total = sum(m.size for m in members if m.isfile())
        if total > MAX_TOTAL_BYTES:
            raise UnsafeArchive(f"archive expands to {total} bytes")
        for m in members:
            safe_member_path(target, m.name)
            if m.issym() or m.islnk():
                raise UnsafeArchive(f"links are not restored: {m.name!r}")
            if m.isdev() or m.isfifo():
                raise UnsafeArchive(f"special file in archive: {m.name!r}")
        tar.extractall(path=target, members=members, filter="data")
    return len(members)


def restore_zip(archive: Path, target: Path) -> int:
    compressed = archive.stat().st_size or 1
    with zipfile.ZipFile(archive) as zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise UnsafeArchive(f"{len(infos)} members is more than {MAX_MEMBERS}")
        total = sum(i.file_size for i in infos)
        if total > MAX_TOTAL_BYTES or total / compressed > MAX_RATIO:
            raise UnsafeArchive("archive expands suspiciously (zip bomb?)")
        count = 0
        for info in infos:
            dest = safe_member_path(target, info.filename)
            mode = (info.external_attr >> 16) & 0o777777
            if stat.S_ISLNK(mode):
                raise UnsafeArchive(f"links are not restored: {info.filename!r}")
            if info.is_dir():
                dest.mkdir(parents=True, exist_ok=True)
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, dest.open("wb") as out:
                while chunk := src.read(1 << 20):
                    out.write(chunk)
            perms = stat.S_IMODE(mode) & 0o755  # drop setuid/setgid and group/other write
            os.chmod(dest, perms or 0o644)
            count += 1
    return count


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verify(target: Path, manifest_path: Path) -> list[str]:
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    problems = []
    for rel, want in sorted(manifest.get("files", {}).items()):
        p = target / rel
        if not p.is_file():
            problems.append(f"missing {rel}")
        elif sha256_of(p) != want:
            problems.append(f"checksum mismatch {rel}")
    return problems


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="restore a snapshot archive safely")
    p.add_argument("archive", type=Path)
    p.add_argument("target", type=Path, help="directory to create (must not exist or be empty)")
    p.add_argument("--verify", type=Path, metavar="MANIFEST",
                   help="JSON manifest {files: {relpath: sha256}} to check afterwards")
    args = p.parse_args(argv)

    if args.target.exists() and any(args.target.iterdir()):
        p.error(f"{args.target} exists and is not empty")
    args.target.mkdir(parents=True, exist_ok=True)

    name = args.archive.name
    try:
        if name.endswith((".tar", ".tar.gz", ".tgz", ".tar.xz", ".tar.bz2")):
            n = restore_tar(args.archive, args.target)
        elif name.endswith(".zip"):
            n = restore_zip(args.archive, args.target)
        else:
            p.error("archive must be .tar[.gz|.xz|.bz2], .tgz or .zip")
    except UnsafeArchive as exc:
        print(f"restore: refusing {args.archive}: {exc}", file=sys.stderr)
        return 1
    except (tarfile.TarError, zipfile.BadZipFile, OSError) as exc:
        print(f"restore: {args.archive}: {exc}", file=sys.stderr)
        return 1
    print(f"restored {n} member(s) into {args.target}")

    if args.verify:
        problems = verify(args.target, args.verify)
        for prob in problems:
            print(f"  {prob}")
        if problems:
            print(f"verification failed: {len(problems)} problem(s)")
            return 1
        print("verification passed")
    return 0


class SafetyTests(unittest.TestCase):
    """python3 -m unittest restore_archive"""

    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.dir = Path(self.tmp.name)
        self.target = self.dir / "out"
        self.target.mkdir()

    def test_plain_names_are_accepted(self):
        self.assertEqual(safe_member_path(self.target, "a/b.txt"), (self.target / "a/b.txt").resolve())

    def test_parent_references_are_refused(self):
        for name in ("../x", "a/../../x", "/srv/outside/x"):
            with self.subTest(name=name), self.assertRaises(UnsafeArchive):
                safe_member_path(self.target, name)

    def test_zip_round_trip_drops_setuid_bits(self):
        archive = self.dir / "good.zip"
        with zipfile.ZipFile(archive, "w") as zf:
            info = zipfile.ZipInfo("bin/tool")
            info.external_attr = (0o104755 << 16)
            zf.writestr(info, "#!/bin/true\n")
        self.assertEqual(restore_zip(archive, self.target), 1)
        mode = (self.target / "bin/tool").stat().st_mode & 0o7777
        self.assertEqual(mode, 0o755)

    def test_tar_round_trip(self):
        archive = self.dir / "good.tar.gz"
        with tarfile.open(archive, "w:gz") as tar:
            data = b"hello"
            info = tarfile.TarInfo("docs/readme.txt")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        self.assertEqual(restore_tar(archive, self.target), 1)
        self.assertEqual((self.target / "docs/readme.txt").read_bytes(), b"hello")

    def test_tar_symlink_is_refused(self):
        archive = self.dir / "link.tar"
        with tarfile.open(archive, "w") as tar:
            info = tarfile.TarInfo("link")
            info.type = tarfile.SYMTYPE
            info.linkname = "/etc/passwd"
            tar.addfile(info)
        with self.assertRaises(UnsafeArchive):
            restore_tar(archive, self.target)


if __name__ == "__main__":
    sys.exit(main())
