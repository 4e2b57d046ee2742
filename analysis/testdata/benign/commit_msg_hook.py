#!/usr/bin/env python3
"""git commit-msg hook enforcing the project's commit message rules.

Install with ``ln -s ../../scripts/commit_msg_hook.py .git/hooks/commit-msg``
(the hook is a symlink into the repository, so updates arrive with
``git pull``).  git passes the path of the message file as the only
argument.

Rules:
  1. subject ``area: what changed``; area is a known component
  2. subject at most 72 characters, no trailing period, imperative mood
  3. blank line between subject and body; body lines at most 100 characters
  4. ``Signed-off-by:`` trailer matching the committer (DCO)
  5. no "WIP"/"fixup!" subjects on protected branches
  6. no secrets pasted into the message (tokens of known formats)

Set ``SKIP_COMMIT_MSG_HOOK=1`` to bypass in an emergency; CI checks again.
"""

from __future__ import annotations

import unittest
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

AREAS = {
    "analysis", "audit", "cli", "docs", "egress", "policy", "run", "sandbox", "seccomp", "tests",
    "bench", "ci", "build", "deps", "examples",
}
PROTECTED_BRANCHES = {"main", "release"}
SUBJECT_RE = re.compile(r"^(?P<areas>[a-z0-9-]+(?:, [a-z0-9-]+)*): (?P<text>\S.*)$")
NON_IMPERATIVE = re.compile(r"^(added|adds|fixed|fixes|changed|changes|updated|updates|removed|removes)\b", re.I)
TOKEN_PATTERNS = {
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36}\b"),
    "AWS access key id": re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
    "Slack token": re.compile(r"\bxox[baprs]-[A-Za-z0-9-]{10,}\b"),
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
}


@dataclass
class Problem:
    line: int
    message: str


def git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], capture_output=True, text=True, check=True, timeout=10).stdout.strip()
    except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired):
        return ""


def strip_comments(text: str) -> list[str]:
    lines = []
    for line in text.splitlines():
        if line.startswith("# ------------------------ >8 ------------------------"):
            break  # everything below is the verbose diff
        if not line.startswith("#"):
            lines.append(line.rstrip())
    while lines and not lines[-1]:
        lines.pop()
    return lines


def check_subject(subject: str, branch: str) -> list[Problem]:
    probs = []
    if subject.startswith(("fixup!", "squash!", "amend!")) or re.match(r"^wip\b", subject, re.I):
        if branch in PROTECTED_BRANCHES:
            probs.append(Problem(1, f"work-in-progress commits are not allowed on {branch}"))
        return probs
    if subject.startswith("Merge ") or subject.startswith("Revert \""):
        return probs
    m = SUBJECT_RE.match(subject)
    if not m:
        return [Problem(1, "subject must look like 'area: what changed and why'")]
    unknown = [a for a in m["areas"].split(", ") if a not in AREAS]
    if unknown:
        probs.append(Problem(1, f"unknown area(s) {', '.join(unknown)}; known: {', '.join(sorted(AREAS))}"))
    if len(subject) > 72:
        probs.append(Problem(1, f"subject is {len(subject)} characters; keep it to 72"))
    if subject.endswith("."):
        probs.append(Problem(1, "no period at the end of the subject"))
    if NON_IMPERATIVE.match(m["text"]):
        probs.append(Problem(1, "write the subject in the imperative: 'add', not 'added'"))
    if m["text"][0].isupper() and not m["text"][:2].isupper():
        probs.append(Problem(1, "start the text after 'area:' in lower case"))
    return probs


def check_body(lines: list[str]) -> list[Problem]:
    probs = []
    if len(lines) > 1 and lines[1]:
        probs.append(Problem(2, "leave a blank line after the subject"))
    in_code = False
    for n, line in enumerate(lines[2:], start=3):
        if line.startswith("    ") or line.startswith("```"):
            in_code = in_code != line.startswith("```")
            continue
        if not in_code and len(line) > 100 and not re.match(r"^\S+://\S+$", line.strip()):
            probs.append(Problem(n, f"line is {len(line)} characters; wrap at 100"))
    return probs


def check_signoff(lines: list[str]) -> list[Problem]:
    name, email = git("config", "user.name"), git("config", "user.email")
    trailers = [l for l in lines if l.startswith("Signed-off-by:")]
    if not trailers:
        return [Problem(len(lines), "missing 'Signed-off-by:' trailer (use git commit -s)")]
    expected = f"Signed-off-by: {name} <{email}>"
    if name and email and expected not in trailers:
        return [Problem(len(lines), f"sign-off does not match the committer; expected '{expected}'")]
    return []


def check_secrets(lines: list[str]) -> list[Problem]:
    probs = []
    for n, line in enumerate(lines, 1):
        for what, rx in TOKEN_PATTERNS.items():
            if rx.search(line):
                probs.append(Problem(n, f"looks like a {what}; never paste credentials into commits"))
    return probs


def main(argv: list[str]) -> int:
    if os.environ.get("SKIP_COMMIT_MSG_HOOK") == "1":
        return 0
    if len(argv) != 2:
        print("usage: commit_msg_hook.py MESSAGE_FILE", file=sys.stderr)
        return 2
    lines = strip_comments(Path(argv[1]).read_text(encoding="utf-8"))
    if not lines or not lines[0].strip():
        print("commit-msg: empty message", file=sys.stderr)
        return 1
    branch = git("rev-parse", "--abbrev-ref", "HEAD")
    problems = (check_subject(lines[0], branch) + check_body(lines)
                + check_signoff(lines) + check_secrets(lines))
    if not problems:
        return 0
    print("commit-msg: the message needs changes:", file=sys.stderr)
    for prob in sorted(problems, key=lambda p: p.line):
        print(f"  line {prob.line}: {prob.message}", file=sys.stderr)
    print("(your message is kept in .git/COMMIT_EDITMSG; git commit -e -F .git/COMMIT_EDITMSG)",
          file=sys.stderr)
    return 1


class SubjectRuleTests(unittest.TestCase):
    """python3 -m unittest commit_msg_hook"""

    def messages(self, subject: str, branch: str = "feature") -> list[str]:
        return [p.message for p in check_subject(subject, branch)]

    def test_good_subject(self):
        self.assertEqual(self.messages("sandbox: keep the init out of the script's reach"), [])

    def test_several_areas(self):
        self.assertEqual(self.messages("run, cli: exit 130 when canceled"), [])

    def test_unknown_area(self):
        self.assertIn("unknown area", self.messages("frontend: restyle")[0])

    def test_past_tense(self):
        self.assertTrue(any("imperative" in m for m in self.messages("docs: added a table")))

    def test_period_and_length(self):
        msgs = self.messages("docs: " + "x" * 70 + ".")
        self.assertTrue(any("72" in m for m in msgs))
        self.assertTrue(any("period" in m for m in msgs))

    def test_wip_only_blocked_on_protected_branches(self):
        self.assertEqual(self.messages("WIP stuff", "feature"), [])
        self.assertTrue(self.messages("WIP stuff", "main"))

    def test_secret_in_body(self):
        probs = check_secrets(["docs: x", "", "token ghp_" + "a" * 36])
        self.assertEqual(len(probs), 1)
        self.assertEqual(probs[0].line, 3)

    def test_comments_and_scissors_are_dropped(self):
        text = "docs: x\n# comment\n\nbody\n# ------------------------ >8 ------------------------\ndiff"
        self.assertEqual(strip_comments(text), ["docs: x", "", "body"])

    def test_body_needs_blank_line(self):
        probs = check_body(["docs: x", "no blank line"])
        self.assertEqual([p.line for p in probs], [2])

    def test_long_url_lines_are_allowed(self):
        url = "https://example.org/" + "a" * 120
        self.assertEqual(check_body(["docs: x", "", url]), [])
        self.assertEqual(len(check_body(["docs: x", "", "word " * 30])), 1)

    def test_merge_and_revert_subjects_pass(self):
        self.assertEqual(self.messages("Merge branch 'x' into main", "main"), [])
        self.assertEqual(self.messages('Revert "docs: x"'), [])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
