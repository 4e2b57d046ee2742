#!/usr/bin/env python3
"""Export a sales summary in several formats through a small plugin registry.

Each exporter is a subclass of ``Exporter`` and registers itself simply by
being defined: the registry is ``Exporter.__subclasses__()``.  Adding a
format means adding a class -- no configuration, no dynamic imports.

    report_exporters.py sales.csv --format markdown
    report_exporters.py sales.csv --format html --out report.html
    report_exporters.py --list
"""

from __future__ import annotations

import abc
import argparse
import csv
import html
import io
import json
import statistics
import sys
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path


@dataclass
class Summary:
    title: str
    columns: list[str]
    rows: list[list[str]]
    totals: dict[str, str]
    notes: list[str]


class Exporter(abc.ABC):
    """Base class; subclasses are discovered through __subclasses__()."""

    name: str = ""
    extension: str = ""
    description: str = ""

    @abc.abstractmethod
    def render(self, summary: Summary) -> str: ...

    @classmethod
    def registry(cls) -> dict[str, type["Exporter"]]:
        found: dict[str, type[Exporter]] = {}
        stack = list(Exporter.__subclasses__())
        while stack:
            sub = stack.pop()
            stack.extend(sub.__subclasses__())
            if sub.name and not getattr(sub, "__abstractmethods__", None):
                found[sub.name] = sub
        return dict(sorted(found.items()))


class TextExporter(Exporter):
    name = "text"
    extension = ".txt"
    description = "aligned plain-text table"

    def render(self, summary: Summary) -> str:
        widths = [max(len(c), *(len(r[i]) for r in summary.rows)) if summary.rows else len(c)
                  for i, c in enumerate(summary.columns)]
        line = "  ".join("-" * w for w in widths)
        out = [summary.title, "=" * len(summary.title), ""]
        out.append("  ".join(c.ljust(w) for c, w in zip(summary.columns, widths)))
        out.append(line)
        for r in summary.rows:
            out.append("  ".join(v.rjust(w) if i else v.ljust(w) for i, (v, w) in enumerate(zip(r, widths))))
        out.append(line)
        out.extend(f"{k}: {v}" for k, v in summary.totals.items())
        out.extend(f"note: {n}" for n in summary.notes)
        return "\n".join(out) + "\n"


class MarkdownExporter(Exporter):
    name = "markdown"
    extension = ".md"
    description = "GitHub-flavoured Markdown table"

    @staticmethod
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    def render(self, summary: Summary) -> str:
        out = [f"# {summary.title}", ""]
        out.append("| " + " | ".join(summary.columns) + " |")
        out.append("|" + "|".join(["---"] + ["---:"] * (len(summary.columns) - 1)) + "|")
        for r in summary.rows:
            out.append("| " + " | ".join(self.cell(v) for v in r) + " |")
        out.append("")
        out.extend(f"- **{k}**: {v}" for k, v in summary.totals.items())
        if summary.notes:
            out += ["", "> " + "\n> ".join(summary.notes)]
        return "\n".join(out) + "\n"


class HtmlExporter(Exporter):
    name = "html"
    extension = ".html"
    description = "standalone HTML page (all values escaped)"

    def render(self, summary: Summary) -> str:
        e = html.escape
        head = "".join(f"<th>{e(c)}</th>" for c in summary.columns)
        body = "\n".join("<tr>" + "".join(f"<td>{e(v)}</td>" for v in r) + "</tr>" for r in summary.rows)
        totals = "".join(f"<li><b>{e(k)}</b>: {e(v)}</li>" for k, v in summary.totals.items())
        notes = "".join(f"<p class=note>{e(n)}</p>" for n in summary.notes)
        return f"""<!doctype html>
<html lang=en><meta charset=utf-8><title>{e(summary.title)}</title>
<style>body{{font-family:sans-serif}} td,th{{padding:2px 8px}} td+td{{text-align:right}}</style>
<h1>{e(summary.title)}</h1>
<table><thead><tr>{head}</tr></thead><tbody>
{body}
</tbody></table><ul>{totals}</ul>{notes}
</html>
"""


class JsonExporter(Exporter):
    name = "json"
    extension = ".json"
    description = "JSON document"

    def render(self, summary: Summary) -> str:
        rows = [dict(zip(summary.columns, r)) for r in summary.rows]
        return json.dumps({"title": summary.title, "rows": rows, "totals": summary.totals,
                           "notes": summary.notes}, indent=2) + "\n"


class CsvExporter(Exporter):
    name = "csv"
    extension = ".csv"
    description = "CSV with a header row"

    def render(self, summary: Summary) -> str:
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(summary.columns)
        w.writerows(summary.rows)
        return buf.getvalue()


def money(d: Decimal) -> str:
    return f"{d:,.2f}"


def summarise(path: Path, group_by: str) -> Summary:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    counts: dict[str, int] = defaultdict(int)
    amounts: list[Decimal] = []
    notes: list[str] = []
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if group_by not in (reader.fieldnames or []):
            raise SystemExit(f"{path} has no column {group_by!r}; columns: {reader.fieldnames}")
        for n, row in enumerate(reader, start=2):
            try:
                amount = Decimal(row["amount"].replace(",", ""))
            except (KeyError, InvalidOperation):
                notes.append(f"line {n}: unreadable amount {row.get('amount')!r} skipped")
                continue
            key = row[group_by].strip() or "(blank)"
            totals[key] += amount
            counts[key] += 1
            amounts.append(amount)
    grand = sum(totals.values(), Decimal("0"))
    rows = []
    for key, total in sorted(totals.items(), key=lambda kv: kv[1], reverse=True):
        share = (total / grand * 100) if grand else Decimal("0")
        rows.append([key, str(counts[key]), money(total), f"{share:.1f}%"])
    overall = {
        "orders": str(sum(counts.values())),
        "revenue": money(grand),
        "median order": money(Decimal(statistics.median(amounts))) if amounts else "-",
    }
    return Summary(f"Sales by {group_by}", [group_by, "orders", "revenue", "share"], rows, overall, notes)


def main(argv: list[str] | None = None) -> int:
    registry = Exporter.registry()
    p = argparse.ArgumentParser(description="sales summary exporter")
    p.add_argument("csv", type=Path, nargs="?")
    p.add_argument("--group-by", default="region")
    p.add_argument("--format", choices=sorted(registry), default="text")
    p.add_argument("--out", type=Path)
    p.add_argument("--list", action="store_true", help="list the formats")
    args = p.parse_args(argv)
    if args.list:
        for name, cls in registry.items():
            print(f"{name:<10} {cls.extension:<6} {cls.description}")
        return 0
    if args.csv is None:
        p.error("a CSV file is required")
    exporter = registry[args.format]()
    text = exporter.render(summarise(args.csv, args.group_by))
    if args.out:
        out = args.out if args.out.suffix else args.out.with_suffix(exporter.extension)
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
