#!/usr/bin/env python3
"""Governance check for a repository's CODEOWNERS file.

* every pattern is syntactically valid and matches at least one tracked file
* every owner is a known team or person (from teams.json)
* no tracked file under the critical paths is left without an owner
* the last matching rule wins -- the report shows which rule owns each
  critical file, the way GitHub resolves it
* optionally, for a pull request's changed files (``git diff --name-only
  BASE...HEAD``), list the owners whose review is required

    codeowners_check.py --teams teams.json
    codeowners_check.py --teams teams.json --pr origin/main
"""

from __future__ import annotations

import unittest
import tempfile
import argparse
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

CODEOWNERS_LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
CRITICAL = ("sandbox/", "seccomp/", "policy/", ".github/workflows/", "SECURITY.md")
OWNER_RE = re.compile(r"^@[A-Za-z0-9][A-Za-z0-9-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)?$|^[^@\s]+@[^@\s]+\.[a-z]+$")


@dataclass
class Rule:
    line: int
    pattern: str
    owners: list[str]
    regex: re.Pattern[str]


def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """CODEOWNERS globs (gitignore-like): *, **, ?, leading / anchors, trailing / means a directory."""
    anchored = pattern.startswith("/")
    p = pattern.lstrip("/")
    directory = p.endswith("/")
    p = p.rstrip("/")
    out = ""
    i = 0
    while i < len(p):
        c = p[i]
        if p.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
            continue
        if p.startswith("**", i):
            out += ".*"
            i += 2
            continue
        if c == "*":
            out += "[^/]*"
        elif c == "?":
            out += "[^/]"
        else:
            out += re.escape(c)
        i += 1
    prefix = "^" if anchored or "/" in p else "^(?:.*/)?"
    suffix = "/.*$" if directory else "(?:/.*)?$"
    return re.compile(prefix + out + suffix)


def parse(path: Path) -> tuple[list[Rule], list[str]]:
    rules, errors = [], []
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("\\#") else raw.strip()
        if not line:
            continue
        parts = line.split()
        pattern, owners = parts[0], parts[1:]
        if "!" in pattern[:1] or "[" in pattern:
            errors.append(f"line {n}: {pattern!r}: negation and [] classes are not supported by CODEOWNERS")
            continue
        bad = [o for o in owners if not OWNER_RE.match(o)]
        if bad:
            errors.append(f"line {n}: invalid owner(s) {', '.join(bad)}")
        rules.append(Rule(n, pattern, owners, glob_to_regex(pattern)))
    return rules, errors


def tracked_files(repo: Path) -> list[str]:
    out = subprocess.run(["git", "-C", str(repo), "ls-files", "-z"], capture_output=True, check=True).stdout
    return [f for f in out.decode("utf-8", "surrogateescape").split("\0") if f]


def changed_files(repo: Path, base: str) -> list[str]:
    out = subprocess.run(["git", "-C", str(repo), "diff", "--name-only", "-z", f"{base}...HEAD"],
                         capture_output=True, check=True).stdout
    return [f for f in out.decode("utf-8", "surrogateescape").split("\0") if f]


def owner_rule(rules: list[Rule], path: str) -> Rule | None:
    found = None
    for r in rules:
        if r.regex.match(path):
            found = r  # last match wins
    return found


def known_owners(teams_file: Path) -> set[str]:
    data = json.loads(teams_file.read_text(encoding="utf-8"))
    owners = {f"@{data['org']}/{t}" for t in data.get("teams", [])}
    owners |= {f"@{u}" for u in data.get("users", [])}
    return owners


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="check CODEOWNERS against the repository")
    p.add_argument("--repo", type=Path, default=Path("."))
    p.add_argument("--teams", type=Path, required=True, help="JSON {org, teams: [...], users: [...]}")
    p.add_argument("--pr", metavar="BASE", help="list required reviewers for changes since BASE")
    args = p.parse_args(argv)

    location = next((args.repo / loc for loc in CODEOWNERS_LOCATIONS if (args.repo / loc).exists()), None)
    if location is None:
        print("codeowners_check: no CODEOWNERS file found", file=sys.stderr)
        return 1
    rules, errors = parse(location)
    try:
        files = tracked_files(args.repo)
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"codeowners_check: git failed: {exc}", file=sys.stderr)
        return 2
    known = known_owners(args.teams)
    for r in rules:
        if not any(r.regex.match(f) for f in files):
            errors.append(f"line {r.line}: pattern {r.pattern!r} matches no tracked file")
        for o in r.owners:
            if OWNER_RE.match(o) and o.startswith("@") and o not in known:
                errors.append(f"line {r.line}: owner {o} is not a known team or user")
    unowned_critical = []
    for f in files:
        if f.startswith(CRITICAL) or f in CRITICAL:
            rule = owner_rule(rules, f)
            if rule is None or not rule.owners:
                unowned_critical.append(f)
    for f in unowned_critical:
        errors.append(f"critical file without owner: {f}")

    print(f"{location}: {len(rules)} rule(s), {len(files)} tracked file(s)")
    for e in errors:
        print(f"  {e}")
    if args.pr:
        required: dict[str, list[str]] = {}
        for f in changed_files(args.repo, args.pr):
            rule = owner_rule(rules, f)
            for o in (rule.owners if rule else []):
                required.setdefault(o, []).append(f)
        print("\nrequired reviewers:")
        for owner, paths in sorted(required.items()):
            print(f"  {owner}: {len(paths)} file(s), e.g. {paths[0]}")
        if not required:
            print("  none (no changed file has an owner)")
    return 1 if errors else 0


class GlobTests(unittest.TestCase):
    """python3 -m unittest codeowners_check"""

    def matches(self, pattern: str, path: str) -> bool:
        return bool(glob_to_regex(pattern).match(path))

    def test_unanchored_name_matches_anywhere(self):
        self.assertTrue(self.matches("*.go", "sandbox/seccomp/filter.go"))
        self.assertFalse(self.matches("*.go", "docs/go.md"))

    def test_anchored_directory(self):
        self.assertTrue(self.matches("/sandbox/", "sandbox/rootfs_linux.go"))
        self.assertFalse(self.matches("/sandbox/", "tests/sandbox/x.go"))

    def test_double_star(self):
        self.assertTrue(self.matches("docs/**/*.md", "docs/a/b/c.md"))
        self.assertTrue(self.matches("docs/**/*.md", "docs/c.md"))

    def test_last_rule_wins(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp, "CODEOWNERS")
            path.write_text("* @org/everyone\n/sandbox/ @org/kernel\n# comment\n", encoding="utf-8")
            rules, errors = parse(path)
        self.assertEqual(errors, [])
        self.assertEqual(owner_rule(rules, "sandbox/x.go").owners, ["@org/kernel"])
        self.assertEqual(owner_rule(rules, "README.md").owners, ["@org/everyone"])

    def test_invalid_owner_and_negation(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp, "CODEOWNERS")
            path.write_text("*.py not-an-owner\n!vendor/ @org/x\n", encoding="utf-8")
            _rules, errors = parse(path)
        self.assertEqual(len(errors), 2)

    def test_known_owners(self):
        with tempfile.TemporaryDirectory() as tmp:
            teams = Path(tmp, "teams.json")
            teams.write_text(json.dumps({"org": "org", "teams": ["kernel"], "users": ["ann"]}))
            self.assertEqual(known_owners(teams), {"@org/kernel", "@ann"})


if __name__ == "__main__":
    sys.exit(main())
