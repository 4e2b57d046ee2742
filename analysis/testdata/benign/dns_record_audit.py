#!/usr/bin/env python3
"""Audit that our public host names resolve the way the inventory says.

The inventory is a small CSV maintained by the ops team::

    hostname,expect,notes
    www.example.org,93.184.216.34,main site
    api.example.org,cname:edge.example.net,behind the CDN
    old.example.org,nxdomain,retired 2023-11

For each row the script resolves the name with the system resolver
(``socket.getaddrinfo``), compares the answer with the expectation and prints
a report.  Only names listed in the inventory are looked up, and they must
end in one of OUR_ZONES.
"""

from __future__ import annotations

from unittest import mock
import unittest
import argparse
import concurrent.futures as cf
import csv
import ipaddress
import json
import socket
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

OUR_ZONES = (".example.org", ".example.net")
RESOLVE_TIMEOUT = 5.0


@dataclass
class Row:
    hostname: str
    expect: str
    notes: str = ""


@dataclass
class Check:
    hostname: str
    expect: str
    addresses: list[str] = field(default_factory=list)
    canonical: str = ""
    status: str = "unknown"
    detail: str = ""
    ms: int = 0


def load_inventory(path: Path) -> list[Row]:
    rows: list[Row] = []
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = {"hostname", "expect"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        for n, raw in enumerate(reader, start=2):
            host = raw["hostname"].strip().lower().rstrip(".")
            if not host or host.startswith("#"):
                continue
            if not host.endswith(OUR_ZONES):
                raise ValueError(f"{path}:{n}: {host} is not in our zones {OUR_ZONES}")
            rows.append(Row(host, raw["expect"].strip().lower(), raw.get("notes", "").strip()))
    return rows


def resolve(host: str) -> tuple[list[str], str]:
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP, flags=socket.AI_CANONNAME)
    addrs = sorted({info[4][0] for info in infos}, key=ipaddress.ip_address)
    canon = next((info[3] for info in infos if info[3]), host)
    return addrs, canon.lower().rstrip(".")


def evaluate(row: Row) -> Check:
    chk = Check(row.hostname, row.expect)
    start = time.monotonic()
    try:
        chk.addresses, chk.canonical = resolve(row.hostname)
    except socket.gaierror as exc:
        chk.ms = int((time.monotonic() - start) * 1000)
        if exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", -5)):
            chk.status = "ok" if row.expect == "nxdomain" else "missing"
            chk.detail = "name does not resolve"
        else:
            chk.status = "error"
            chk.detail = str(exc)
        return chk
    chk.ms = int((time.monotonic() - start) * 1000)

    if row.expect == "nxdomain":
        chk.status = "unexpected"
        chk.detail = f"retired name still resolves to {', '.join(chk.addresses)}"
    elif row.expect.startswith("cname:"):
        target = row.expect.split(":", 1)[1].rstrip(".")
        if chk.canonical == target:
            chk.status = "ok"
        else:
            chk.status = "mismatch"
            chk.detail = f"canonical name is {chk.canonical}, expected {target}"
    elif row.expect == "any":
        chk.status = "ok"
    else:
        wanted = sorted({e.strip() for e in row.expect.split("|")})
        try:
            for w in wanted:
                ipaddress.ip_address(w)
        except ValueError:
            chk.status = "error"
            chk.detail = f"inventory expectation {row.expect!r} is not an address list"
            return chk
        if set(wanted) <= set(chk.addresses):
            chk.status = "ok"
        else:
            chk.status = "mismatch"
            chk.detail = f"got {', '.join(chk.addresses)}, expected {', '.join(wanted)}"
    for a in chk.addresses:
        ip = ipaddress.ip_address(a)
        if ip.is_private or ip.is_loopback:
            chk.detail += f" (warning: {a} is not a public address)"
    return chk


def audit(rows: list[Row], workers: int) -> list[Check]:
    socket.setdefaulttimeout(RESOLVE_TIMEOUT)
    with cf.ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(evaluate, rows))


def print_report(checks: list[Check]) -> None:
    width = max((len(c.hostname) for c in checks), default=10)
    icons = {"ok": "✓", "missing": "✗", "mismatch": "≠", "unexpected": "!", "error": "?"}
    for c in sorted(checks, key=lambda c: (c.status == "ok", c.hostname)):
        icon = icons.get(c.status, " ")
        addrs = ", ".join(c.addresses[:3]) + (" …" if len(c.addresses) > 3 else "")
        print(f"{icon} {c.hostname:<{width}} {c.status:<10} {c.ms:>5}ms  {addrs}")
        if c.detail:
            print(f"  {'':<{width}} {c.detail}")
    counts: dict[str, int] = {}
    for c in checks:
        counts[c.status] = counts.get(c.status, 0) + 1
    print("\n" + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="check DNS answers against the host inventory")
    p.add_argument("inventory", type=Path)
    p.add_argument("--workers", type=int, default=8)
    p.add_argument("--json", action="store_true")
    p.add_argument("--only", help="only host names containing this text")
    args = p.parse_args(argv)
    try:
        rows = load_inventory(args.inventory)
    except (OSError, ValueError) as exc:
        print(f"dns_record_audit: {exc}", file=sys.stderr)
        return 2
    if args.only:
        rows = [r for r in rows if args.only in r.hostname]
    checks = audit(rows, args.workers)
    if args.json:
        print(json.dumps([asdict(c) for c in checks], indent=2))
    else:
        print_report(checks)
    return 0 if all(c.status == "ok" for c in checks) else 1


class EvaluateTests(unittest.TestCase):
    """python3 -m unittest dns_record_audit (the resolver is mocked)"""

    def run_with(self, row: Row, answer=None, error=None) -> Check:
        def fake(host):
            if error:
                raise error
            return answer
        with mock.patch(f"{__name__}.resolve", side_effect=fake):
            return evaluate(row)

    def test_address_match(self):
        chk = self.run_with(Row("www.example.org", "93.184.216.34"), (["93.184.216.34"], "www.example.org"))
        self.assertEqual(chk.status, "ok")

    def test_address_mismatch(self):
        chk = self.run_with(Row("www.example.org", "93.184.216.34"), (["10.0.0.1"], "www.example.org"))
        self.assertEqual(chk.status, "mismatch")
        self.assertIn("not a public address", chk.detail)

    def test_cname(self):
        chk = self.run_with(Row("api.example.org", "cname:edge.example.net"), (["1.2.3.4"], "edge.example.net"))
        self.assertEqual(chk.status, "ok")

    def test_retired_name(self):
        err = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        self.assertEqual(self.run_with(Row("old.example.org", "nxdomain"), error=err).status, "ok")
        self.assertEqual(self.run_with(Row("new.example.org", "any"), error=err).status, "missing")

    def test_bad_expectation(self):
        chk = self.run_with(Row("x.example.org", "not-an-ip"), (["1.2.3.4"], "x.example.org"))
        self.assertEqual(chk.status, "error")


if __name__ == "__main__":
    sys.exit(main())
