#!/usr/bin/env python3
"""Find duplicate files under a directory by content (SHA-256).

Files are grouped by size first, then by a hash of their first 64 KiB, and
only then fully hashed, so big trees are scanned quickly.  Duplicates can be
reported, hard-linked together, or moved into a quarantine folder inside the
scanned tree -- never deleted outright.

    duplicate_finder.py ~/Pictures --min-size 100k
    duplicate_finder.py ./datasets --action link --yes
    duplicate_finder.py ./downloads --action quarantine --keep newest
"""

from __future__ import annotations

import unittest
import tempfile
import argparse
import hashlib
import json
import os
import shutil
import stat
import sys
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

HEAD_BYTES = 64 * 1024
CHUNK = 1 << 20
QUARANTINE = ".duplicates-quarantine"


@dataclass(frozen=True)
class FileInfo:
    path: Path
    size: int
    mtime: float
    inode: tuple[int, int]


def parse_size(text: str) -> int:
    text = text.strip().lower()
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def walk(root: Path, min_size: int, follow_hidden: bool) -> Iterator[FileInfo]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames
                       if d != QUARANTINE and (follow_hidden or not d.startswith("."))]
        for name in filenames:
            if not follow_hidden and name.startswith("."):
                continue
            p = Path(dirpath, name)
            try:
                st = p.lstat()
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode) or st.st_size < min_size:
                continue
            yield FileInfo(p, st.st_size, st.st_mtime, (st.st_dev, st.st_ino))


def hash_head(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.sha256(fh.read(HEAD_BYTES)).hexdigest()


def hash_full(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def group_by(items: list[FileInfo], key, workers: int) -> list[list[FileInfo]]:
    groups: dict[str, list[FileInfo]] = defaultdict(list)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for info, k in zip(items, pool.map(lambda i: safe(key, i.path), items)):
            if k is not None:
                groups[k].append(info)
    return [g for g in groups.values() if len(g) > 1]


def safe(fn, path: Path) -> str | None:
    try:
        return fn(path)
    except OSError as exc:
        print(f"warning: {path}: {exc.strerror}", file=sys.stderr)
        return None


def find_duplicates(root: Path, min_size: int, hidden: bool, workers: int) -> list[list[FileInfo]]:
    by_size: dict[int, list[FileInfo]] = defaultdict(list)
    seen_inodes: set[tuple[int, int]] = set()
    for info in walk(root, min_size, hidden):
        if info.inode in seen_inodes:
            continue  # already hard-linked: not a wasted copy
        seen_inodes.add(info.inode)
        by_size[info.size].append(info)
    candidates = [g for g in by_size.values() if len(g) > 1]
    result = []
    for group in candidates:
        for head_group in group_by(group, hash_head, workers):
            if head_group[0].size <= HEAD_BYTES:
                result.append(head_group)
            else:
                result.extend(group_by(head_group, hash_full, workers))
    return sorted(result, key=lambda g: -g[0].size * (len(g) - 1))


def choose_keeper(group: list[FileInfo], keep: str) -> FileInfo:
    if keep == "newest":
        return max(group, key=lambda i: i.mtime)
    if keep == "oldest":
        return min(group, key=lambda i: i.mtime)
    return min(group, key=lambda i: (len(i.path.parts), str(i.path)))


def hardlink(keeper: FileInfo, dup: FileInfo) -> None:
    tmp = dup.path.with_name(f".{dup.path.name}.linking")
    os.link(keeper.path, tmp)
    os.replace(tmp, dup.path)


def quarantine(root: Path, dup: FileInfo) -> Path:
    dest = root / QUARANTINE / dup.path.relative_to(root)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(dup.path), dest)
    return dest


def human(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="find duplicate files by SHA-256")
    p.add_argument("root", type=Path)
    p.add_argument("--min-size", type=parse_size, default=1)
    p.add_argument("--hidden", action="store_true", help="include dot files")
    p.add_argument("--action", choices=["report", "link", "quarantine"], default="report")
    p.add_argument("--keep", choices=["shortest", "newest", "oldest"], default="shortest")
    p.add_argument("--json", action="store_true")
    p.add_argument("--workers", type=int, default=min(8, (os.cpu_count() or 2)))
    p.add_argument("--yes", action="store_true", help="do not ask before changing files")
    args = p.parse_args(argv)

    root = args.root.resolve()
    if not root.is_dir():
        p.error(f"{root} is not a directory")
    groups = find_duplicates(root, args.min_size, args.hidden, args.workers)
    wasted = sum(g[0].size * (len(g) - 1) for g in groups)

    if args.json:
        print(json.dumps([{"size": g[0].size, "files": [str(i.path) for i in g]} for g in groups],
                         indent=2))
    else:
        for g in groups:
            print(f"{human(g[0].size)} × {len(g)}")
            for info in g:
                print(f"    {info.path.relative_to(root)}")
        print(f"\n{len(groups)} group(s), {human(wasted)} reclaimable")

    if args.action == "report" or not groups:
        return 0
    if not args.yes:
        answer = input(f"{args.action} {sum(len(g) - 1 for g in groups)} file(s)? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing changed")
            return 1
    changed = 0
    for g in groups:
        keeper = choose_keeper(g, args.keep)
        for dup in g:
            if dup is keeper:
                continue
            try:
                if args.action == "link":
                    hardlink(keeper, dup)
                else:
                    quarantine(root, dup)
                changed += 1
            except OSError as exc:
                print(f"warning: {dup.path}: {exc}", file=sys.stderr)
    print(f"{changed} file(s) {'linked' if args.action == 'link' else 'moved to ' + QUARANTINE}")
    return 0


class FinderTests(unittest.TestCase):
    """python3 -m unittest duplicate_finder"""

    def test_groups_only_identical_content(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            (root / "a.txt").write_text("same")
            (root / "b.txt").write_text("same")
            (root / "c.txt").write_text("diff")
            groups = find_duplicates(root, 1, hidden=False, workers=2)
        self.assertEqual(len(groups), 1)
        self.assertEqual(sorted(i.path.name for i in groups[0]), ["a.txt", "b.txt"])

    def test_parse_size(self):
        self.assertEqual(parse_size("100k"), 102400)
        self.assertEqual(parse_size("2M"), 2 << 20)
        self.assertEqual(parse_size("17"), 17)

    def test_keeper_choice(self):
        a = FileInfo(Path("/x/a"), 1, 10.0, (1, 1))
        b = FileInfo(Path("/x/y/b"), 1, 20.0, (1, 2))
        self.assertIs(choose_keeper([a, b], "newest"), b)
        self.assertIs(choose_keeper([a, b], "oldest"), a)
        self.assertIs(choose_keeper([a, b], "shortest"), a)


if __name__ == "__main__":
    sys.exit(main())
