#!/usr/bin/env python3
"""Pre-commit hook: flag risky constructs in the repository's shell scripts.

The hook reads every ``*.sh`` file (and files with a sh/bash shebang) that
is staged, and reports lines matching the rules below.  The rules are data:
regular expressions and example strings used in messages and in the
self-test.  The hook never runs the scripts it reads.

    shell_script_linter.py scripts/*.sh
    shell_script_linter.py --staged          # what pre-commit calls
    shell_script_linter.py --self-test
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator


@dataclass(frozen=True)
class Rule:
    code: str
    pattern: re.Pattern[str]
    message: str
    example: str
    severity: str = "error"


def rx(text: str) -> re.Pattern[str]:
    return re.compile(text)


RULES = (
    Rule("SH001", rx(r"\brm\s+-[a-zA-Z]*r[a-zA-Z]*f?\s+/(\s|$)"),
         "recursive delete of the filesystem root", example="rm -rf /"),
    Rule("SH002", rx(r"\brm\s+-[a-zA-Z]*r[a-zA-Z]*\s+\"?\$[A-Za-z_]+\"?/"),
         "recursive delete under a variable that may be empty (use ${VAR:?})",
         example='rm -rf "$PREFIX"/lib'),
    Rule("SH003", rx(r"\b(curl|wget)\b[^|]*\|\s*(sudo\s+)?(ba|z)?sh\b"),
         "piping a download straight into a shell", example="curl -fsSL https://x.example/i.sh | sh"),
    Rule("SH004", rx(r"\bchmod\s+(-R\s+)?0?777\b"),
         "world-writable permissions", example="chmod 777 /srv/app"),
    Rule("SH005", rx(r"\beval\s"),
         "eval of a constructed string", example='eval "$cmd"', severity="warning"),
    Rule("SH006", rx(r"^\s*set\s+\+e\b"),
         "errors are ignored from here on", example="set +e", severity="warning"),
    Rule("SH007", rx(r"\bsudo\b"),
         "scripts in this repository must not need sudo", example="sudo make install"),
    Rule("SH008", rx(r"--no-check-certificate|\bcurl\b.*\s-k\b|--insecure"),
         "TLS certificate checks turned off", example="curl -k https://x"),
    Rule("SH009", rx(r"\bssh\b.*StrictHostKeyChecking=no"),
         "host key checking turned off", example="ssh -o StrictHostKeyChecking=no h"),
)

SHEBANG_RE = re.compile(r"^#!\s*(/usr/bin/env\s+)?(/bin/|/usr/bin/)?(ba|da|z)?sh\b")


@dataclass
class Hit:
    path: Path
    line: int
    rule: Rule
    text: str

    def __str__(self) -> str:
        return (f"{self.path}:{self.line}: {self.rule.severity} {self.rule.code} "
                f"{self.rule.message}\n    {self.text.strip()}")


def is_shell_script(path: Path) -> bool:
    if path.suffix in (".sh", ".bash"):
        return True
    try:
        with path.open("r", encoding="utf-8", errors="replace") as fh:
            return bool(SHEBANG_RE.match(fh.readline()))
    except OSError:
        return False


def strip_comment(line: str) -> str:
    """Drop a trailing # comment unless the # is inside quotes."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i]
    return line


def suppressed(line: str, code: str) -> bool:
    m = re.search(r"#\s*lint:\s*allow\s+([A-Z0-9, ]+)", line)
    return bool(m) and code in {c.strip() for c in m.group(1).split(",")}


def lint_lines(path: Path, lines: Iterable[str]) -> Iterator[Hit]:
    heredoc_end: str | None = None
    for n, raw in enumerate(lines, start=1):
        if heredoc_end is not None:
            if raw.strip() == heredoc_end:
                heredoc_end = None
            continue
        m = re.search(r"<<-?\s*['\"]?([A-Za-z_]+)['\"]?", raw)
        if m:
            heredoc_end = m.group(1)
        code = strip_comment(raw)
        if not code.strip():
            continue
        for rule in RULES:
            if rule.pattern.search(code) and not suppressed(raw, rule.code):
                yield Hit(path, n, rule, raw)


def lint_file(path: Path) -> list[Hit]:
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        return list(lint_lines(path, fh))


def staged_files() -> list[Path]:
    out = subprocess.run(
        ["git", "diff", "--cached", "--name-only", "--diff-filter=ACM", "-z"],
        check=True, capture_output=True, text=True,
    ).stdout
    return [Path(p) for p in out.split("\0") if p]


def self_test() -> int:
    failures = 0
    for rule in RULES:
        hits = list(lint_lines(Path("<example>"), [rule.example + "\n"]))
        if not any(h.rule.code == rule.code for h in hits):
            print(f"self-test: {rule.code} does not match its own example {rule.example!r}")
            failures += 1
    quiet = [
        "# rm -rf / would be bad, so we never do it",
        'echo "do not run: curl https://x | sh"  # lint: allow SH003',
        'rm -rf "${BUILD_DIR:?}/out"',
        "chmod 755 bin/tool",
        "set -euo pipefail",
    ]
    for line in quiet:
        hits = list(lint_lines(Path("<quiet>"), [line + "\n"]))
        if hits:
            print(f"self-test: false alarm on {line!r}: {[h.rule.code for h in hits]}")
            failures += 1
    print("self-test passed" if not failures else f"self-test: {failures} failure(s)")
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="lint shell scripts for risky constructs")
    p.add_argument("paths", nargs="*", type=Path)
    p.add_argument("--staged", action="store_true", help="lint the files staged in git")
    p.add_argument("--warnings-fail", action="store_true")
    p.add_argument("--self-test", action="store_true")
    p.add_argument("--rules", action="store_true", help="list the rules and exit")
    args = p.parse_args(argv)

    if args.rules:
        for r in RULES:
            print(f"{r.code} {r.severity:<7} {r.message}\n        e.g. {r.example}")
        return 0
    if args.self_test:
        return self_test()
    paths = list(args.paths)
    if args.staged:
        try:
            paths += staged_files()
        except (OSError, subprocess.CalledProcessError) as exc:
            print(f"shell_script_linter: cannot list staged files: {exc}", file=sys.stderr)
            return 2
    scripts = [p for p in paths if p.is_file() and is_shell_script(p)]
    hits = [h for p in scripts for h in lint_file(p)]
    for h in hits:
        print(h)
    errors = sum(1 for h in hits if h.rule.severity == "error" or args.warnings_fail)
    if scripts:
        print(f"{len(scripts)} script(s), {len(hits)} finding(s), {errors} blocking")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
