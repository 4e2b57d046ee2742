#!/usr/bin/env python3
"""Clean build artefacts out of a project workspace -- safely.

This is the tool we give people instead of telling them to paste
``rm -rf build dist *.egg-info`` (or, worse, the infamous typo
``rm -rf / build`` that took down a colleague's laptop).  It only ever
removes things *inside* the workspace directory it is given, only things
that match the artefact patterns below, and it shows what it will do first.

    workspace_cleaner.py .                 # dry run: list what would go
    workspace_cleaner.py . --yes           # remove it
    workspace_cleaner.py . --yes --caches  # also __pycache__ and .pytest_cache
"""

from __future__ import annotations

import unittest
import tempfile
import argparse
import fnmatch
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

EPILOG = """\
safety rules:
  * the workspace must contain a marker file (pyproject.toml, setup.cfg,
    package.json or .git) so that '/' or your home directory is refused
  * nothing outside the workspace is touched, symlinks are never followed
  * equivalent shell, for reference only (do not run it blindly):
        find . -name __pycache__ -prune -exec rm -rf {} +
"""

ARTEFACT_DIRS = ("build", "dist", "*.egg-info", ".eggs", "htmlcov", ".tox", ".nox")
CACHE_DIRS = ("__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache")
ARTEFACT_FILES = ("*.pyc", "*.pyo", ".coverage", ".coverage.*", "coverage.xml")
MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", "package.json", ".git")
NEVER_DESCEND = (".git", ".hg", ".venv", "venv", "node_modules")


class UnsafeWorkspace(Exception):
    pass


@dataclass
class Plan:
    dirs: list[Path]
    files: list[Path]

    def size(self) -> int:
        total = 0
        for f in self.files:
            total += f.lstat().st_size
        for d in self.dirs:
            for dirpath, _dirs, files in os.walk(d):
                for name in files:
                    try:
                        total += os.lstat(os.path.join(dirpath, name)).st_size
                    except OSError:
                        pass
        return total

    def __bool__(self) -> bool:
        return bool(self.dirs or self.files)


def check_workspace(root: Path) -> Path:
    root = root.resolve()
    home = Path.home().resolve()
    if root == Path(root.anchor) or root == home:
        raise UnsafeWorkspace(f"refusing to clean {root}: that is not a project directory")
    if not any((root / m).exists() for m in MARKERS):
        raise UnsafeWorkspace(
            f"{root} has none of {', '.join(MARKERS)}; is it really a project workspace?")
    return root


def matches(name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatch(name, p) for p in patterns)


def make_plan(root: Path, caches: bool) -> Plan:
    dir_patterns = ARTEFACT_DIRS + (CACHE_DIRS if caches else ())
    dirs: list[Path] = []
    files: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        keep = []
        for d in dirnames:
            p = here / d
            if p.is_symlink():
                continue
            if d in NEVER_DESCEND:
                continue
            # Top-level build/ and dist/ only: a package may well have a
            # sub-directory called "build" that is source code.
            if d in ("build", "dist") and here != root:
                keep.append(d)
                continue
            if matches(d, dir_patterns):
                dirs.append(p)
            else:
                keep.append(d)
        dirnames[:] = keep
        for f in filenames:
            p = here / f
            if not p.is_symlink() and matches(f, ARTEFACT_FILES):
                files.append(p)
    return Plan(sorted(dirs), sorted(files))


def inside(root: Path, p: Path) -> bool:
    try:
        p.resolve().relative_to(root)
    except ValueError:
        return False
    return True


def execute(root: Path, plan: Plan) -> tuple[int, list[str]]:
    removed = 0
    errors: list[str] = []
    for d in plan.dirs:
        if not inside(root, d) or d.is_symlink():
            errors.append(f"skipped {d}: outside the workspace")
            continue
        try:
            shutil.rmtree(d)
            removed += 1
        except OSError as exc:
            errors.append(f"{d}: {exc.strerror}")
    for f in plan.files:
        if not inside(root, f):
            errors.append(f"skipped {f}: outside the workspace")
            continue
        try:
            f.unlink()
            removed += 1
        except FileNotFoundError:
            pass  # already gone with its directory
        except OSError as exc:
            errors.append(f"{f}: {exc.strerror}")
    return removed, errors


def human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024:
            return f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description="remove build artefacts from a project workspace",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("workspace", type=Path, nargs="?", default=Path("."))
    p.add_argument("--yes", action="store_true",
                   help="really delete (default is a dry run, like 'rm -rf' with -n)")
    p.add_argument("--caches", action="store_true", help="also tool caches such as __pycache__")
    p.add_argument("-q", "--quiet", action="store_true")
    args = p.parse_args(argv)

    try:
        root = check_workspace(args.workspace)
    except UnsafeWorkspace as exc:
        print(f"workspace_cleaner: {exc}", file=sys.stderr)
        return 2

    plan = make_plan(root, args.caches)
    if not plan:
        if not args.quiet:
            print("workspace is already clean")
        return 0
    if not args.quiet or not args.yes:
        for d in plan.dirs:
            print(f"dir   {d.relative_to(root)}/")
        for f in plan.files:
            print(f"file  {f.relative_to(root)}")
        print(f"{len(plan.dirs)} dir(s), {len(plan.files)} file(s), {human(plan.size())}")
    if not args.yes:
        print("dry run: nothing removed (use --yes)")
        return 0
    removed, errors = execute(root, plan)
    for e in errors:
        print(f"warning: {e}", file=sys.stderr)
    if not args.quiet:
        print(f"removed {removed} item(s)")
    return 1 if errors else 0


class CleanerTests(unittest.TestCase):
    """python3 -m unittest workspace_cleaner"""

    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.root = Path(self.tmp.name)
        (self.root / "pyproject.toml").write_text("[project]\nname = 'x'\n")

    def test_refuses_a_directory_without_marker(self):
        (self.root / "pyproject.toml").unlink()
        with self.assertRaises(UnsafeWorkspace):
            check_workspace(self.root)

    def test_plan_and_execute(self):
        (self.root / "build" / "lib").mkdir(parents=True)
        (self.root / "src" / "pkg" / "build").mkdir(parents=True)
        (self.root / "src" / "pkg" / "mod.pyc").write_bytes(b"\0")
        (self.root / "src" / "pkg" / "__pycache__").mkdir()
        plan = make_plan(self.root, caches=True)
        rels = sorted(str(p.relative_to(self.root)) for p in plan.dirs + plan.files)
        self.assertEqual(rels, ["build", "src/pkg/__pycache__", "src/pkg/mod.pyc"])
        removed, errors = execute(self.root, plan)
        self.assertEqual((removed, errors), (3, []))
        self.assertTrue((self.root / "src" / "pkg" / "build").is_dir())

    def test_git_directory_is_never_entered(self):
        (self.root / ".git" / "build").mkdir(parents=True)
        self.assertFalse(make_plan(self.root, caches=True))


if __name__ == "__main__":
    sys.exit(main())
