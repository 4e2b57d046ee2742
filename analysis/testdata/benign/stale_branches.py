#!/usr/bin/env python3
"""Report stale and merged branches of a git repository (repository hygiene).

For every remote branch the report shows the last commit date and author,
how far it is ahead/behind the default branch, and whether it is already
merged.  With --delete-merged it prints the ``git push --delete`` commands
for merged branches older than N days instead of running them: deleting
branches on the shared remote stays a human decision.

    stale_branches.py --days 90
    stale_branches.py --remote upstream --json > branches.json
    stale_branches.py --delete-merged --days 30
"""

from __future__ import annotations

import unittest
import argparse
import datetime as dt
import json
import shlex
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

PROTECTED = {"main", "master", "develop", "release", "gh-pages"}


class Git:
    def __init__(self, repo: Path) -> None:
        self.repo = repo

    def __call__(self, *args: str) -> str:
        proc = subprocess.run(["git", "-C", str(self.repo), *args], capture_output=True,
                              text=True, timeout=120)
        if proc.returncode != 0:
            raise RuntimeError(f"git {args[0]}: {proc.stderr.strip()}")
        return proc.stdout

    def default_branch(self, remote: str) -> str:
        try:
            ref = self("symbolic-ref", "--short", f"refs/remotes/{remote}/HEAD").strip()
            return ref.split("/", 1)[1]
        except RuntimeError:
            for candidate in ("main", "master"):
                try:
                    self("rev-parse", "--verify", "--quiet", f"{remote}/{candidate}")
                    return candidate
                except RuntimeError:
                    continue
        raise RuntimeError(f"cannot tell the default branch of {remote}")


@dataclass
class Branch:
    name: str
    last_commit: str
    author: str
    email: str
    age_days: int
    ahead: int
    behind: int
    merged: bool
    subject: str


def list_branches(git: Git, remote: str, base: str) -> list[Branch]:
    fmt = "%(refname:short)%00%(committerdate:iso8601-strict)%00%(authorname)%00%(authoremail)%00%(subject)"
    out = git("for-each-ref", f"--format={fmt}", f"refs/remotes/{remote}/")
    merged = {line.strip() for line in git("branch", "-r", "--merged", f"{remote}/{base}").splitlines()}
    now = dt.datetime.now(dt.timezone.utc)
    branches = []
    for line in out.splitlines():
        ref, date, author, email, subject = line.split("\0")
        short = ref.split("/", 1)[1] if "/" in ref else ref
        if short in ("HEAD", base):
            continue
        when = dt.datetime.fromisoformat(date)
        counts = git("rev-list", "--left-right", "--count", f"{remote}/{base}...{ref}").split()
        behind, ahead = int(counts[0]), int(counts[1])
        branches.append(Branch(
            name=short,
            last_commit=when.date().isoformat(),
            author=author,
            email=email.strip("<>"),
            age_days=(now - when).days,
            ahead=ahead,
            behind=behind,
            merged=ref in merged,
            subject=subject[:72],
        ))
    return sorted(branches, key=lambda b: b.age_days, reverse=True)


def render(branches: list[Branch], days: int, base: str) -> str:
    stale = [b for b in branches if b.age_days >= days]
    lines = [f"{len(branches)} branches, {len(stale)} idle for {days}+ days (base: {base})", ""]
    lines.append(f"{'branch':<40} {'last':<10} {'age':>5} {'ahead':>5} {'behind':>6}  state")
    for b in branches:
        state = "merged" if b.merged else ("stale" if b.age_days >= days else "active")
        lines.append(f"{b.name[:40]:<40} {b.last_commit:<10} {b.age_days:>5} {b.ahead:>5} {b.behind:>6}  {state}")
    by_author: dict[str, int] = {}
    for b in stale:
        by_author[b.author] = by_author.get(b.author, 0) + 1
    if by_author:
        lines += ["", "stale branches by author:"]
        lines += [f"  {n:>3}  {a}" for a, n in sorted(by_author.items(), key=lambda kv: -kv[1])]
    return "\n".join(lines)


def deletion_commands(branches: list[Branch], remote: str, days: int) -> list[str]:
    cmds = []
    for b in branches:
        if b.merged and b.age_days >= days and b.name not in PROTECTED and not b.name.startswith("release/"):
            cmds.append(shlex.join(["git", "push", remote, "--delete", b.name]))
    return cmds


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="stale branch report")
    p.add_argument("--repo", type=Path, default=Path("."))
    p.add_argument("--remote", default="origin")
    p.add_argument("--days", type=int, default=60)
    p.add_argument("--fetch", action="store_true", help="git fetch --prune first")
    p.add_argument("--json", action="store_true")
    p.add_argument("--delete-merged", action="store_true",
                   help="print (not run) the commands deleting old merged branches")
    args = p.parse_args(argv)

    git = Git(args.repo)
    try:
        if args.fetch:
            git("fetch", "--prune", args.remote)
        base = git.default_branch(args.remote)
        branches = list_branches(git, args.remote, base)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        print(f"stale_branches: {exc}", file=sys.stderr)
        return 1

    if args.json:
        print(json.dumps({"base": base, "branches": [asdict(b) for b in branches]}, indent=2))
    else:
        print(render(branches, args.days, base))
    if args.delete_merged:
        cmds = deletion_commands(branches, args.remote, args.days)
        print(f"\n# {len(cmds)} merged branch(es) older than {args.days} days; review, then run:")
        for c in cmds:
            print(c)
    return 0


class DeletionTests(unittest.TestCase):
    """python3 -m unittest stale_branches"""

    def branch(self, name: str, age: int, merged: bool) -> Branch:
        return Branch(name, "2024-01-01", "Ann", "ann@example.org", age, 0, 3, merged, "subject")

    def test_only_old_merged_branches(self):
        branches = [self.branch("feature/a", 100, True), self.branch("feature/b", 5, True),
                    self.branch("feature/c", 100, False)]
        self.assertEqual(deletion_commands(branches, "origin", 30),
                         ["git push origin --delete feature/a"])

    def test_protected_and_release_branches_are_kept(self):
        branches = [self.branch("develop", 400, True), self.branch("release/1.2", 400, True)]
        self.assertEqual(deletion_commands(branches, "origin", 30), [])

    def test_names_are_quoted(self):
        cmds = deletion_commands([self.branch("odd name", 99, True)], "origin", 30)
        self.assertEqual(cmds, ["git push origin --delete 'odd name'"])

    def test_render_counts_stale(self):
        text = render([self.branch("x", 90, False), self.branch("y", 1, False)], 60, "main")
        self.assertTrue(text.startswith("2 branches, 1 idle for 60+ days"))
        self.assertIn("stale branches by author:", text)

    def test_render_marks_merged_before_stale(self):
        text = render([self.branch("done", 200, True)], 60, "main")
        self.assertTrue(text.splitlines()[3].endswith("merged"))

    def test_authors_sorted_by_count(self):
        a = [self.branch(f"a{i}", 100, False) for i in range(3)]
        b = [Branch("b", "2024-01-01", "Bo", "bo@example.org", 100, 0, 0, False, "s")]
        lines = render(a + b, 30, "main").splitlines()
        i = lines.index("stale branches by author:")
        self.assertEqual(lines[i + 1].split(), ["3", "Ann"])
        self.assertEqual(lines[i + 2].split(), ["1", "Bo"])

    def test_protected_set_is_lower_case_names(self):
        self.assertTrue(all(name == name.lower() for name in PROTECTED))
        self.assertIn("main", PROTECTED)

    def test_no_branches(self):
        self.assertEqual(deletion_commands([], "origin", 1), [])
        self.assertTrue(render([], 30, "main").startswith("0 branches"))


if __name__ == "__main__":
    sys.exit(main())
