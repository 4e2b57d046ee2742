#!/usr/bin/env python3
"""An event-sourced ledger for a small club's accounts.

State is never stored directly: every change is an event appended to a
JSON-lines journal (``ledger.jsonl``), each line chained to the previous one
by a SHA-256 hash so tampering is detectable.  Balances are rebuilt by
replaying the journal.

    event_ledger.py open alice --initial 50
    event_ledger.py deposit alice 20 --note "membership"
    event_ledger.py transfer alice bob 5
    event_ledger.py balances
    event_ledger.py verify
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Iterator

JOURNAL = Path(__file__).resolve().with_name("ledger.jsonl")
GENESIS = "0" * 64


class LedgerError(Exception):
    pass


@dataclass(frozen=True)
class Event:
    seq: int
    kind: str
    data: dict
    at: str
    prev: str
    digest: str = ""

    def body(self) -> dict:
        return {"seq": self.seq, "kind": self.kind, "data": self.data, "at": self.at, "prev": self.prev}

    def compute_digest(self) -> str:
        canonical = json.dumps(self.body(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass
class State:
    balances: dict[str, Decimal] = field(default_factory=dict)
    closed: set[str] = field(default_factory=set)
    events: int = 0

    def require_open(self, account: str) -> None:
        if account not in self.balances:
            raise LedgerError(f"no account {account!r}")
        if account in self.closed:
            raise LedgerError(f"account {account!r} is closed")

    def apply(self, e: Event) -> None:
        d = e.data
        if e.kind == "opened":
            if d["account"] in self.balances:
                raise LedgerError(f"event {e.seq}: {d['account']} opened twice")
            self.balances[d["account"]] = Decimal(d["initial"])
        elif e.kind == "deposited":
            self.require_open(d["account"])
            self.balances[d["account"]] += Decimal(d["amount"])
        elif e.kind == "withdrawn":
            self.require_open(d["account"])
            self.balances[d["account"]] -= Decimal(d["amount"])
        elif e.kind == "transferred":
            self.require_open(d["from"])
            self.require_open(d["to"])
            self.balances[d["from"]] -= Decimal(d["amount"])
            self.balances[d["to"]] += Decimal(d["amount"])
        elif e.kind == "closed":
            self.require_open(d["account"])
            self.closed.add(d["account"])
        else:
            raise LedgerError(f"event {e.seq}: unknown kind {e.kind!r}")
        self.events += 1


def read_events(path: Path = JOURNAL) -> Iterator[Event]:
    if not path.exists():
        return
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                yield Event(raw["seq"], raw["kind"], raw["data"], raw["at"], raw["prev"], raw["digest"])
            except (ValueError, KeyError) as exc:
                raise LedgerError(f"{path}:{lineno}: unreadable event ({exc})") from None


def replay(path: Path = JOURNAL, verify: bool = True) -> tuple[State, str, int]:
    state = State()
    prev = GENESIS
    seq = 0
    for e in read_events(path):
        if verify:
            if e.prev != prev:
                raise LedgerError(f"event {e.seq}: chain broken (prev {e.prev[:12]} != {prev[:12]})")
            if e.compute_digest() != e.digest:
                raise LedgerError(f"event {e.seq}: digest mismatch, the journal was edited")
            if e.seq != seq + 1:
                raise LedgerError(f"event {e.seq}: expected sequence {seq + 1}")
        state.apply(e)
        prev, seq = e.digest, e.seq
    return state, prev, seq


def append(kind: str, data: dict, path: Path = JOURNAL) -> Event:
    state, prev, seq = replay(path)
    probe = Event(seq + 1, kind, data, dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), prev)
    state.apply(probe)  # validates against current state before writing
    for account, bal in state.balances.items():
        if bal < 0:
            raise LedgerError(f"{account} would go negative ({bal})")
    event = Event(probe.seq, kind, data, probe.at, prev, probe.compute_digest())
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({**event.body(), "digest": event.digest}, sort_keys=True) + "\n")
    return event


def amount(text: str) -> str:
    try:
        value = Decimal(text)
    except ArithmeticError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount") from None
    if value <= 0 or value.as_tuple().exponent < -2:
        raise argparse.ArgumentTypeError("amounts are positive with at most two decimals")
    return str(value)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="hash-chained event ledger")
    sub = p.add_subparsers(dest="cmd", required=True)
    o = sub.add_parser("open")
    o.add_argument("account")
    o.add_argument("--initial", type=amount, default="0")
    for name in ("deposit", "withdraw"):
        s = sub.add_parser(name)
        s.add_argument("account")
        s.add_argument("amount", type=amount)
        s.add_argument("--note", default="")
    t = sub.add_parser("transfer")
    t.add_argument("src")
    t.add_argument("dst")
    t.add_argument("amount", type=amount)
    c = sub.add_parser("close")
    c.add_argument("account")
    sub.add_parser("balances")
    sub.add_parser("verify")
    h = sub.add_parser("history")
    h.add_argument("account", nargs="?")
    args = p.parse_args(argv)

    try:
        if args.cmd == "open":
            e = append("opened", {"account": args.account, "initial": args.initial})
        elif args.cmd == "deposit":
            e = append("deposited", {"account": args.account, "amount": args.amount, "note": args.note})
        elif args.cmd == "withdraw":
            e = append("withdrawn", {"account": args.account, "amount": args.amount, "note": args.note})
        elif args.cmd == "transfer":
            e = append("transferred", {"from": args.src, "to": args.dst, "amount": args.amount})
        elif args.cmd == "close":
            state, _, _ = replay()
            if state.balances.get(args.account, Decimal(0)) != 0:
                raise LedgerError("only accounts with a zero balance can be closed")
            e = append("closed", {"account": args.account})
        elif args.cmd == "balances":
            state, _, _ = replay()
            for acct, bal in sorted(state.balances.items()):
                mark = " (closed)" if acct in state.closed else ""
                print(f"{acct:<20} {bal:>12}{mark}")
            return 0
        elif args.cmd == "verify":
            state, head, seq = replay(verify=True)
            print(f"journal OK: {seq} events, head {head[:16]}")
            return 0
        else:
            for ev in read_events():
                d = ev.data
                if args.account and args.account not in (d.get("account"), d.get("from"), d.get("to")):
                    continue
                print(f"{ev.seq:>5} {ev.at} {ev.kind:<12} {json.dumps(d, sort_keys=True)}")
            return 0
    except LedgerError as exc:
        print(f"ledger: {exc}", file=sys.stderr)
        return 1
    print(f"event {e.seq} recorded ({e.kind})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
