#!/usr/bin/env python3
"""Generate a changelog section from Conventional Commits in a git repository.

Runs ``git`` with fixed argument lists (never through a shell, so there is no
``shell=True`` and no string to quote), groups commits by type, and prints a
Markdown section ready to paste into CHANGELOG.md:

    git_changelog.py --since v1.4.0 --version 1.5.0
    git_changelog.py --since v1.4.0 --write CHANGELOG.md

Commit subjects look like ``feat(cli): add --json`` or ``fix!: drop py3.8``;
anything else is listed under "Other".
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

SUBJECT_RE = re.compile(r"^(?P<type>[a-z]+)(?:\((?P<scope>[^)]+)\))?(?P<bang>!)?: (?P<desc>.+)$")
ISSUE_RE = re.compile(r"(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?) #(\d+)", re.IGNORECASE)
FIELD_SEP = "\x1f"
RECORD_SEP = "\x1e"
LOG_FORMAT = FIELD_SEP.join(["%H", "%an", "%ad", "%s", "%b"]) + RECORD_SEP

SECTIONS = {
    "feat": "Features",
    "fix": "Bug fixes",
    "perf": "Performance",
    "docs": "Documentation",
    "refactor": "Refactoring",
    "test": "Tests",
    "build": "Build",
    "ci": "Continuous integration",
    "chore": "Chores",
}
HIDDEN_BY_DEFAULT = {"chore", "ci", "test", "build"}


class GitError(RuntimeError):
    pass


def git(*args: str, cwd: Path) -> str:
    """Run git with a fixed program name and an argument list."""
    env = dict(os.environ, LC_ALL="C", GIT_PAGER="cat")
    try:
        proc = subprocess.run(
            ["git", *args],
            cwd=cwd,
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
    except FileNotFoundError as exc:
        raise GitError("git is not installed") from exc
    except subprocess.CalledProcessError as exc:
        raise GitError(exc.stderr.strip() or f"git {args[0]} failed") from exc
    return proc.stdout


@dataclass
class Commit:
    sha: str
    author: str
    date: str
    subject: str
    body: str
    type: str = "other"
    scope: str = ""
    breaking: bool = False
    description: str = ""

    @classmethod
    def parse(cls, record: str) -> "Commit":
        sha, author, date, subject, body = (record.split(FIELD_SEP) + [""] * 5)[:5]
        c = cls(sha.strip(), author, date, subject.strip(), body.strip())
        m = SUBJECT_RE.match(c.subject)
        if m:
            c.type = m["type"]
            c.scope = m["scope"] or ""
            c.breaking = bool(m["bang"])
            c.description = m["desc"]
        else:
            c.description = c.subject
        if "BREAKING CHANGE" in c.body:
            c.breaking = True
        return c

    @property
    def issues(self) -> list[str]:
        return ISSUE_RE.findall(self.subject + "\n" + self.body)


def read_commits(repo: Path, since: str | None, until: str) -> list[Commit]:
    rev = f"{since}..{until}" if since else until
    out = git("log", "--no-merges", "--date=short", f"--format={LOG_FORMAT}", rev, cwd=repo)
    records = [r.strip("\n") for r in out.split(RECORD_SEP) if r.strip()]
    return [Commit.parse(r) for r in records]


def latest_tag(repo: Path) -> str | None:
    try:
        return git("describe", "--tags", "--abbrev=0", cwd=repo).strip() or None
    except GitError:
        return None


def remote_url(repo: Path) -> str | None:
    try:
        url = git("config", "--get", "remote.origin.url", cwd=repo).strip()
    except GitError:
        return None
    if url.startswith("git@"):
        host, _, path = url[4:].partition(":")
        url = f"https://{host}/{path}"
    return url.removesuffix(".git") or None


def render(commits: list[Commit], version: str, day: dt.date, web: str | None,
           include: set[str]) -> str:
    groups: dict[str, list[Commit]] = defaultdict(list)
    breaking = [c for c in commits if c.breaking]
    for c in commits:
        key = c.type if c.type in SECTIONS else "other"
        if key in include or key == "other":
            groups[key].append(c)

    def line(c: Commit) -> str:
        scope = f"**{c.scope}:** " if c.scope else ""
        ref = c.sha[:8]
        if web:
            ref = f"[{ref}]({web}/commit/{c.sha})"
        issues = ""
        if c.issues:
            links = [f"[#{n}]({web}/issues/{n})" if web else f"#{n}" for n in c.issues]
            issues = ", closes " + ", ".join(links)
        return f"- {scope}{c.description} ({ref}{issues})"

    out = [f"## {version} ({day.isoformat()})", ""]
    if breaking:
        out += ["### ⚠ Breaking changes", ""]
        out += [line(c) for c in breaking]
        out.append("")
    for key, title in [*SECTIONS.items(), ("other", "Other")]:
        items = groups.get(key)
        if not items:
            continue
        out += [f"### {title}", ""]
        out += [line(c) for c in sorted(items, key=lambda c: (c.scope, c.description))]
        out.append("")
    authors = sorted({c.author for c in commits})
    if authors:
        out += ["### Contributors", "", ", ".join(authors), ""]
    return "\n".join(out)


def prepend(path: Path, section: str) -> None:
    header = "# Changelog\n\n"
    old = path.read_text(encoding="utf-8") if path.exists() else header
    if old.startswith(header):
        new = header + section + "\n" + old[len(header):]
    else:
        new = section + "\n" + old
    tmp = path.with_suffix(path.suffix + ".new")
    tmp.write_text(new, encoding="utf-8")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="changelog from conventional commits")
    p.add_argument("--repo", type=Path, default=Path.cwd())
    p.add_argument("--since", help="tag or commit to start after (default: latest tag)")
    p.add_argument("--until", default="HEAD")
    p.add_argument("--version", default="Unreleased")
    p.add_argument("--all", action="store_true", help="include chore/ci/test/build commits")
    p.add_argument("--write", type=Path, help="prepend the section to this file")
    args = p.parse_args(argv)

    try:
        since = args.since or latest_tag(args.repo)
        commits = read_commits(args.repo, since, args.until)
        web = remote_url(args.repo)
    except GitError as exc:
        print(f"changelog: {exc}", file=sys.stderr)
        return 1
    if not commits:
        print(f"changelog: no commits after {since or 'the beginning'}", file=sys.stderr)
        return 1
    include = set(SECTIONS) if args.all else set(SECTIONS) - HIDDEN_BY_DEFAULT
    section = render(commits, args.version, dt.date.today(), web, include)
    if args.write:
        prepend(args.write, section)
        print(f"changelog: {len(commits)} commits written to {args.write}")
    else:
        print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
