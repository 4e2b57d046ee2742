#!/usr/bin/env python3
"""Scan a repository's tracked files (and optionally its history) for
credentials that should never be committed.

Detectors are regular expressions for well-known token formats plus a
high-entropy check for strings assigned to suspicious names.  Findings are
reported with the file, line and a redacted preview; the secret itself is
never printed in full.  A baseline file lets a team accept known false
positives (test fixtures) by their fingerprint.

    secret_scanner.py .
    secret_scanner.py . --history --since 2024-01-01
    secret_scanner.py . --baseline .secrets-baseline.json --update-baseline
"""

from __future__ import annotations

import unittest
import argparse
import hashlib
import json
import math
import re
import subprocess
import sys
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Iterator

DETECTORS: dict[str, re.Pattern[str]] = {
    "aws-access-key-id": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "github-token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "github-fine-grained": re.compile(r"\bgithub_pat_[A-Za-z0-9_]{60,}\b"),
    "slack-token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}\b"),
    "stripe-live-key": re.compile(r"\bsk_live_[A-Za-z0-9]{20,}\b"),
    "google-api-key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "private-key-block": re.compile(r"-----BEGIN (?:RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----"),
}
ASSIGNMENT_RE = re.compile(
    r"""(?ix)(?P<name>[a-z0-9_.-]*(?:secret|token|passw(?:or)?d|api[_-]?key|credential)[a-z0-9_.-]*)
        \s*[:=]\s*["'](?P<value>[^"'\s]{16,})["']""")
SKIP_SUFFIXES = (".png", ".jpg", ".gif", ".pdf", ".zip", ".gz", ".woff", ".woff2", ".ico", ".lock")
PLACEHOLDER_RE = re.compile(r"(?i)^(x+|\*+|<.*>|\$\{.*\}|example|changeme|dummy|test|fake|your[_-].*)$")


@dataclass
class Finding:
    detector: str
    file: str
    line: int
    preview: str
    fingerprint: str
    commit: str = ""


def shannon(s: str) -> float:
    counts = Counter(s)
    return -sum(c / len(s) * math.log2(c / len(s)) for c in counts.values())


def redact(secret: str) -> str:
    if len(secret) <= 8:
        return "*" * len(secret)
    return secret[:4] + "…" + "*" * 6 + secret[-2:]


def fingerprint(detector: str, file: str, secret: str) -> str:
    return hashlib.sha256(f"{detector}\0{file}\0{secret}".encode()).hexdigest()[:20]


def scan_text(text: str, file: str, commit: str = "") -> Iterator[Finding]:
    for n, line in enumerate(text.splitlines(), 1):
        if "secret-scanner: allow" in line:
            continue
        for name, rx in DETECTORS.items():
            for m in rx.finditer(line):
                yield Finding(name, file, n, redact(m.group()), fingerprint(name, file, m.group()), commit)
        for m in ASSIGNMENT_RE.finditer(line):
            value = m.group("value")
            if PLACEHOLDER_RE.match(value) or shannon(value) < 3.5:
                continue
            if any(rx.search(value) for rx in DETECTORS.values()):
                continue  # already reported by a format detector
            yield Finding("high-entropy-assignment", file, n, f"{m.group('name')} = {redact(value)}",
                          fingerprint("entropy", file, value), commit)


def tracked(repo: Path) -> list[str]:
    out = subprocess.run(["git", "-C", str(repo), "ls-files", "-z"], capture_output=True, check=True).stdout
    return [f for f in out.decode("utf-8", "surrogateescape").split("\0") if f and not f.endswith(SKIP_SUFFIXES)]


def scan_worktree(repo: Path) -> Iterator[Finding]:
    for rel in tracked(repo):
        path = repo / rel
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if b"\0" in data[:4096] or len(data) > 5_000_000:
            continue
        yield from scan_text(data.decode("utf-8", "replace"), rel)


def scan_history(repo: Path, since: str | None) -> Iterator[Finding]:
    args = ["git", "-C", str(repo), "log", "-p", "--no-color", "--format=commit %H", "--diff-filter=AM"]
    if since:
        args.append(f"--since={since}")
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, errors="replace")
    assert proc.stdout is not None
    commit, file, buf = "", "", []
    for line in proc.stdout:
        if line.startswith("commit "):
            commit = line.split()[1]
        elif line.startswith("+++ b/"):
            if buf:
                yield from scan_text("".join(buf), file, commit)
            file, buf = line[6:].strip(), []
        elif line.startswith("+") and not line.startswith("+++"):
            buf.append(line[1:])
    if buf:
        yield from scan_text("".join(buf), file, commit)
    proc.wait()


def load_baseline(path: Path | None) -> set[str]:
    if path is None or not path.exists():
        return set()
    return set(json.loads(path.read_text(encoding="utf-8")).get("accepted", []))


def save_baseline(path: Path, findings: Iterable[Finding]) -> None:
    accepted = sorted({f.fingerprint for f in findings})
    path.write_text(json.dumps({"accepted": accepted}, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="find committed credentials")
    p.add_argument("repo", type=Path, nargs="?", default=Path("."))
    p.add_argument("--history", action="store_true", help="also scan added lines in git history")
    p.add_argument("--since", help="with --history: only commits since this date")
    p.add_argument("--baseline", type=Path, help="JSON file of accepted fingerprints")
    p.add_argument("--update-baseline", action="store_true")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    try:
        findings = list(scan_worktree(args.repo))
        if args.history:
            findings += list(scan_history(args.repo, args.since))
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"secret_scanner: {exc}", file=sys.stderr)
        return 2
    if args.update_baseline:
        if not args.baseline:
            p.error("--update-baseline needs --baseline")
        save_baseline(args.baseline, findings)
        print(f"baseline: {len(findings)} finding(s) accepted")
        return 0
    accepted = load_baseline(args.baseline)
    fresh = [f for f in findings if f.fingerprint not in accepted]
    if args.json:
        print(json.dumps([asdict(f) for f in fresh], indent=2))
    else:
        for f in fresh:
            where = f"{f.commit[:10]}:" if f.commit else ""
            print(f"{where}{f.file}:{f.line}: {f.detector}: {f.preview}")
        print(f"{len(fresh)} new finding(s), {len(findings) - len(fresh)} accepted by the baseline")
    return 1 if fresh else 0


class DetectorTests(unittest.TestCase):
    """python3 -m unittest secret_scanner

    Fake credentials are assembled at run time so that this file does not
    itself trip push protection or other scanners.
    """

    AWS = "AKIA" + "Z" * 16
    GH = "ghp_" + "a1B2" * 9

    def detectors(self, text: str) -> list[str]:
        return [f.detector for f in scan_text(text, "t.py")]

    def test_known_formats(self):
        self.assertEqual(self.detectors(f"key = '{self.AWS}'"), ["aws-access-key-id"])
        self.assertEqual(self.detectors(f"token: {self.GH}"), ["github-token"])

    def test_redaction_never_shows_the_secret(self):
        (finding,) = list(scan_text(self.GH, "t.py"))
        self.assertNotIn(self.GH, finding.preview)
        self.assertTrue(finding.preview.startswith("ghp_"))

    def test_high_entropy_assignment(self):
        value = "q8Zr2LmX0vBn7TcK4yWd"
        self.assertEqual(self.detectors(f'db_password = "{value}"'), ["high-entropy-assignment"])

    def test_placeholders_and_low_entropy_are_ignored(self):
        self.assertEqual(self.detectors('api_key = "your-api-key-here-please"'), [])
        self.assertEqual(self.detectors('secret = "aaaaaaaaaaaaaaaaaaaa"'), [])

    def test_inline_allow(self):
        self.assertEqual(self.detectors(f"{self.AWS}  # secret-scanner: allow"), [])

    def test_fingerprint_depends_on_file(self):
        self.assertNotEqual(fingerprint("d", "a.py", "s"), fingerprint("d", "b.py", "s"))


if __name__ == "__main__":
    sys.exit(main())
