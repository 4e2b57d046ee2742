#!/usr/bin/env python3
"""Compare two CSV exports keyed by one or more columns and report added,
removed and changed rows, with per-column change counts.

Typical use: yesterday's and today's customer export, to review what the
nightly sync touched before it is loaded anywhere.

    csv_diff.py old.csv new.csv --key id
    csv_diff.py old.csv new.csv --key country --key sku --ignore updated_at
    csv_diff.py old.csv new.csv --key id --format json > diff.json
    csv_diff.py old.csv new.csv --key id --numeric-tolerance 0.01
"""

from __future__ import annotations

import unittest
import tempfile
import argparse
import csv
import json
import math
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

Key = tuple[str, ...]


@dataclass
class Change:
    key: Key
    column: str
    old: str
    new: str


@dataclass
class Diff:
    added: list[dict[str, str]] = field(default_factory=list)
    removed: list[dict[str, str]] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)
    duplicates: dict[str, list[Key]] = field(default_factory=dict)

    @property
    def changed_rows(self) -> int:
        return len({c.key for c in self.changed})

    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.columns_added or self.columns_removed)


def sniff_dialect(path: Path) -> type[csv.Dialect] | csv.Dialect:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        sample = fh.read(64 * 1024)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def read_rows(path: Path, key_cols: list[str], name: str) -> tuple[list[str], dict[Key, dict[str, str]], list[Key]]:
    dialect = sniff_dialect(path)
    rows: dict[Key, dict[str, str]] = {}
    dups: list[Key] = []
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh, dialect=dialect)
        header = list(reader.fieldnames or [])
        missing = [k for k in key_cols if k not in header]
        if missing:
            raise SystemExit(f"{name} ({path}) lacks key column(s): {', '.join(missing)}")
        for rec in reader:
            key = tuple((rec.get(k) or "").strip() for k in key_cols)
            if key in rows:
                dups.append(key)
            rows[key] = {k: (v or "").strip() for k, v in rec.items() if k is not None}
    return header, rows, dups


def equal(a: str, b: str, tolerance: float | None, casefold: bool) -> bool:
    if a == b:
        return True
    if casefold and a.casefold() == b.casefold():
        return True
    if tolerance is not None:
        try:
            fa, fb = float(a), float(b)
        except ValueError:
            return False
        return math.isclose(fa, fb, abs_tol=tolerance)
    return False


def diff(old_path: Path, new_path: Path, key_cols: list[str], ignore: set[str],
         tolerance: float | None, casefold: bool) -> Diff:
    old_header, old_rows, old_dups = read_rows(old_path, key_cols, "old")
    new_header, new_rows, new_dups = read_rows(new_path, key_cols, "new")
    d = Diff()
    d.columns_added = [c for c in new_header if c not in old_header]
    d.columns_removed = [c for c in old_header if c not in new_header]
    if old_dups:
        d.duplicates["old"] = old_dups
    if new_dups:
        d.duplicates["new"] = new_dups
    compare = [c for c in old_header if c in new_header and c not in ignore and c not in key_cols]
    for key in sorted(new_rows.keys() - old_rows.keys()):
        d.added.append(new_rows[key])
    for key in sorted(old_rows.keys() - new_rows.keys()):
        d.removed.append(old_rows[key])
    for key in sorted(old_rows.keys() & new_rows.keys()):
        o, n = old_rows[key], new_rows[key]
        for col in compare:
            if not equal(o.get(col, ""), n.get(col, ""), tolerance, casefold):
                d.changed.append(Change(key, col, o.get(col, ""), n.get(col, "")))
    return d


def show_key(key: Key) -> str:
    return "/".join(key) if len(key) > 1 else key[0]


def clip(s: str, n: int = 40) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


def render_text(d: Diff, key_cols: list[str], limit: int) -> Iterable[str]:
    yield (f"added {len(d.added)}, removed {len(d.removed)}, changed {d.changed_rows} row(s) "
           f"({len(d.changed)} cell(s))")
    if d.columns_added:
        yield f"new columns: {', '.join(d.columns_added)}"
    if d.columns_removed:
        yield f"dropped columns: {', '.join(d.columns_removed)}"
    for side, keys in d.duplicates.items():
        yield f"warning: {len(keys)} duplicate key(s) in {side} file, last row wins (e.g. {show_key(keys[0])})"
    if d.changed:
        per_col = Counter(c.column for c in d.changed)
        yield "changes per column: " + ", ".join(f"{c} {n}" for c, n in per_col.most_common())
    for title, rows in (("+", d.added), ("-", d.removed)):
        for row in rows[:limit]:
            yield f"{title} {show_key(tuple(row.get(k, '') for k in key_cols))}"
        if len(rows) > limit:
            yield f"{title} … {len(rows) - limit} more"
    for c in d.changed[:limit]:
        yield f"~ {show_key(c.key)} {c.column}: {clip(c.old)!r} -> {clip(c.new)!r}"
    if len(d.changed) > limit:
        yield f"~ … {len(d.changed) - limit} more"


def to_json(d: Diff) -> dict:
    return {
        "added": d.added,
        "removed": d.removed,
        "changed": [{"key": list(c.key), "column": c.column, "old": c.old, "new": c.new} for c in d.changed],
        "columns_added": d.columns_added,
        "columns_removed": d.columns_removed,
        "duplicates": {k: [list(x) for x in v] for k, v in d.duplicates.items()},
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="diff two CSV files by key")
    p.add_argument("old", type=Path)
    p.add_argument("new", type=Path)
    p.add_argument("--key", action="append", required=True, help="key column (repeat for composite keys)")
    p.add_argument("--ignore", action="append", default=[], help="column to ignore (repeatable)")
    p.add_argument("--numeric-tolerance", type=float)
    p.add_argument("--casefold", action="store_true", help="ignore case differences")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--limit", type=int, default=50, help="rows shown per section in text output")
    p.add_argument("--fail-on-change", action="store_true", help="exit 1 when the files differ")
    args = p.parse_args(argv)

    d = diff(args.old, args.new, args.key, set(args.ignore), args.numeric_tolerance, args.casefold)
    if args.format == "json":
        json.dump(to_json(d), sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        for line in render_text(d, args.key, args.limit):
            print(line)
    return 1 if args.fail_on_change and not d.empty() else 0


class DiffTests(unittest.TestCase):
    """python3 -m unittest csv_diff"""

    def files(self, old: str, new: str) -> tuple[Path, Path]:
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        a, b = Path(tmp.name, "old.csv"), Path(tmp.name, "new.csv")
        a.write_text(old, encoding="utf-8")
        b.write_text(new, encoding="utf-8")
        return a, b

    def test_added_removed_changed(self):
        a, b = self.files("id,name,qty\n1,ant,3\n2,bee,4\n", "id,name,qty\n1,ant,5\n3,cat,1\n")
        d = diff(a, b, ["id"], set(), None, False)
        self.assertEqual([r["id"] for r in d.added], ["3"])
        self.assertEqual([r["id"] for r in d.removed], ["2"])
        self.assertEqual([(c.key, c.column, c.old, c.new) for c in d.changed], [(("1",), "qty", "3", "5")])

    def test_tolerance_and_casefold(self):
        a, b = self.files("id,v,s\n1,1.000,Ant\n", "id,v,s\n1,1.004,ANT\n")
        self.assertTrue(diff(a, b, ["id"], set(), 0.01, True).empty())
        self.assertFalse(diff(a, b, ["id"], set(), None, False).empty())

    def test_ignored_and_new_columns(self):
        a, b = self.files("id,ts\n1,a\n", "id,ts,extra\n1,b,x\n")
        d = diff(a, b, ["id"], {"ts"}, None, False)
        self.assertEqual(d.changed, [])
        self.assertEqual(d.columns_added, ["extra"])

    def test_semicolon_dialect_and_duplicates(self):
        a, b = self.files("id;n\n1;x\n1;y\n", "id;n\n1;y\n")
        d = diff(a, b, ["id"], set(), None, False)
        self.assertEqual(d.duplicates, {"old": [("1",)]})
        self.assertTrue(d.empty())


if __name__ == "__main__":
    sys.exit(main())
