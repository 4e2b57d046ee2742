"""End-to-end pytest suite for the ``wc-plus`` command line tool.

The tool (a word-count clone with JSON output) is written to a temporary
directory by a fixture and run as a child interpreter with constant argument
lists -- the tests exercise the real entry point, exit codes and output
streams.  Nothing here uses a shell: every command is a list, so file names
with spaces need no quoting and ``shell=True`` never appears.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

TOOL_SOURCE = textwrap.dedent('''
    import argparse, json, sys

    def count(text):
        return {"lines": text.count("\\n"), "words": len(text.split()),
                "chars": len(text), "bytes": len(text.encode("utf-8"))}

    def main():
        p = argparse.ArgumentParser(prog="wc-plus")
        p.add_argument("files", nargs="*")
        p.add_argument("--json", action="store_true")
        p.add_argument("--total-only", action="store_true")
        a = p.parse_args()
        results, status = {}, 0
        sources = a.files or ["-"]
        for name in sources:
            try:
                text = sys.stdin.read() if name == "-" else open(name, encoding="utf-8").read()
            except OSError as e:
                print(f"wc-plus: {name}: {e.strerror}", file=sys.stderr)
                status = 1
                continue
            results[name] = count(text)
        total = {k: sum(r[k] for r in results.values()) for k in ("lines", "words", "chars", "bytes")}
        if a.json:
            json.dump({"files": {} if a.total_only else results, "total": total}, sys.stdout)
            print()
        else:
            if not a.total_only:
                for name, r in results.items():
                    print(f"{r['lines']:>7} {r['words']:>7} {r['chars']:>7} {name}")
            if len(results) > 1 or a.total_only:
                print(f"{total['lines']:>7} {total['words']:>7} {total['chars']:>7} total")
        return status

    if __name__ == "__main__":
        sys.exit(main())
''')


@pytest.fixture(scope="session")
def tool(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bin") / "wc_plus.py"
    path.write_text(TOOL_SOURCE, encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path) -> dict[str, Path]:
    data = {
        "one.txt": "hello world\n",
        "two words.txt": "a b\nc d e\n",
        "unicode.txt": "naïve café\n",
        "empty.txt": "",
    }
    out = {}
    for name, text in data.items():
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        out[name] = p
    return out


def run(tool: Path, *args: str, stdin: str | None = None, cwd: Path | None = None):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "LC_ALL": "C.UTF-8"}
    return subprocess.run([sys.executable, str(tool), *args], input=stdin, capture_output=True,
                          text=True, timeout=60, cwd=cwd, env=env)


def test_single_file(tool, files):
    r = run(tool, str(files["one.txt"]))
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["1", "2", "12", str(files["one.txt"])]


def test_name_with_space_needs_no_quoting(tool, files):
    r = run(tool, str(files["two words.txt"]))
    assert r.returncode == 0
    assert r.stdout.split()[:3] == ["2", "5", "10"]


def test_json_output(tool, files):
    r = run(tool, "--json", str(files["one.txt"]), str(files["unicode.txt"]))
    data = json.loads(r.stdout)
    assert data["total"]["words"] == 4
    assert data["files"][str(files["unicode.txt"])]["bytes"] == 13
    assert data["files"][str(files["unicode.txt"])]["chars"] == 11


def test_total_only(tool, files):
    r = run(tool, "--total-only", *(str(p) for p in files.values()))
    assert r.stdout.strip().endswith("total")
    assert r.stdout.split()[:2] == ["4", "9"]


def test_stdin(tool):
    r = run(tool, "--json", stdin="x y z\n")
    assert json.loads(r.stdout)["files"]["-"]["words"] == 3


def test_missing_file_reports_and_continues(tool, files, tmp_path):
    r = run(tool, str(tmp_path / "nope.txt"), str(files["one.txt"]))
    assert r.returncode == 1
    assert "nope.txt" in r.stderr
    assert "hello" not in r.stderr
    assert str(files["one.txt"]) in r.stdout


def test_empty_file(tool, files):
    r = run(tool, "--json", str(files["empty.txt"]))
    assert json.loads(r.stdout)["total"] == {"lines": 0, "words": 0, "chars": 0, "bytes": 0}


def test_help_mentions_program_name(tool):
    r = run(tool, "--help")
    assert r.returncode == 0
    assert r.stdout.startswith("usage: wc-plus")


def test_unknown_option_is_usage_error(tool):
    r = run(tool, "--frobnicate")
    assert r.returncode == 2
    assert "unrecognized arguments" in r.stderr


@pytest.mark.parametrize("text, words", [
    ("", 0),
    ("one", 1),
    ("  leading and trailing  ", 3),
    ("tabs\tand\nnewlines", 3),
    ("rm -rf / is just three words here", 8),
])
def test_word_counts(tool, text, words):
    r = run(tool, "--json", stdin=text)
    assert json.loads(r.stdout)["total"]["words"] == words


def test_relative_paths_from_cwd(tool, files):
    folder = files["one.txt"].parent
    r = run(tool, "one.txt", cwd=folder)
    assert r.stdout.split()[-1] == "one.txt"


def test_large_input_is_streamed_fast_enough(tool, tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("word " * 200_000, encoding="utf-8")
    r = run(tool, "--json", str(big))
    assert json.loads(r.stdout)["total"]["words"] == 200_000


class TestExitCodes:
    def test_ok(self, tool, files):
        assert run(tool, str(files["one.txt"])).returncode == 0

    def test_all_missing(self, tool, tmp_path):
        assert run(tool, str(tmp_path / "a"), str(tmp_path / "b")).returncode == 1

    def test_directory_is_an_error(self, tool, tmp_path):
        r = run(tool, str(tmp_path))
        assert r.returncode == 1
        assert "Is a directory" in r.stderr
