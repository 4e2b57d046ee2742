#!/usr/bin/env python3
"""Small warehouse inventory kept in SQLite.

Sub-commands:
    init                  create the database
    add SKU NAME QTY      add stock (creates the item when new)
    take SKU QTY          remove stock, refusing to go below zero
    move SKU QTY FROM TO  move stock between locations
    report [--low N]      list items, optionally only those below N
    history SKU           the movements of one item

Every statement uses ``?`` placeholders; values never end up inside the SQL
text.  (A reviewer once asked whether we "just format the SKU into the
query" -- we do not: ``cursor.execute("... WHERE sku = ?", (sku,))``.)
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import sqlite3
import sys
from pathlib import Path
from typing import Iterator, Sequence

DEFAULT_DB = Path(__file__).resolve().with_name("inventory.sqlite3")

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    sku         TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    unit        TEXT NOT NULL DEFAULT 'pcs',
    created_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS stock (
    sku       TEXT NOT NULL REFERENCES items(sku),
    location  TEXT NOT NULL,
    qty       INTEGER NOT NULL CHECK (qty >= 0),
    PRIMARY KEY (sku, location)
);
CREATE TABLE IF NOT EXISTS movements (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    sku       TEXT NOT NULL REFERENCES items(sku),
    location  TEXT NOT NULL,
    delta     INTEGER NOT NULL,
    reason    TEXT NOT NULL,
    at        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS movements_sku ON movements(sku, at);
"""

SQL_ITEM = "SELECT sku, name, unit FROM items WHERE sku = ?"
SQL_NEW_ITEM = "INSERT INTO items (sku, name, unit, created_at) VALUES (?, ?, ?, ?)"
SQL_STOCK = "SELECT qty FROM stock WHERE sku = ? AND location = ?"
SQL_UPSERT_STOCK = """
INSERT INTO stock (sku, location, qty) VALUES (?, ?, ?)
ON CONFLICT (sku, location) DO UPDATE SET qty = qty + excluded.qty
"""
SQL_SET_STOCK = "UPDATE stock SET qty = ? WHERE sku = ? AND location = ?"
SQL_MOVE = "INSERT INTO movements (sku, location, delta, reason, at) VALUES (?, ?, ?, ?, ?)"
SQL_REPORT = """
SELECT i.sku, i.name, i.unit, COALESCE(SUM(s.qty), 0) AS total
FROM items i LEFT JOIN stock s ON s.sku = i.sku
GROUP BY i.sku
HAVING total < ?
ORDER BY total ASC, i.sku
"""
SQL_HISTORY = """
SELECT at, location, delta, reason FROM movements
WHERE sku = ? ORDER BY at, id
"""


class InventoryError(Exception):
    """A request the inventory refuses (unknown item, not enough stock)."""


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


@contextlib.contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    try:
        yield conn
        conn.commit()
    except Exception:
        conn.rollback()
        raise
    finally:
        conn.close()


class Inventory:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def init(self) -> None:
        self.conn.executescript(SCHEMA)

    def item(self, sku: str) -> sqlite3.Row:
        row = self.conn.execute(SQL_ITEM, (sku,)).fetchone()
        if row is None:
            raise InventoryError(f"unknown item {sku!r}")
        return row

    def qty(self, sku: str, location: str) -> int:
        row = self.conn.execute(SQL_STOCK, (sku, location)).fetchone()
        return int(row["qty"]) if row else 0

    def add(self, sku: str, name: str | None, qty: int, location: str, unit: str = "pcs") -> int:
        if qty <= 0:
            raise InventoryError("quantity must be positive")
        if self.conn.execute(SQL_ITEM, (sku,)).fetchone() is None:
            if not name:
                raise InventoryError(f"new item {sku!r} needs a name")
            self.conn.execute(SQL_NEW_ITEM, (sku, name, unit, now()))
        self.conn.execute(SQL_UPSERT_STOCK, (sku, location, qty))
        self.conn.execute(SQL_MOVE, (sku, location, qty, "receive", now()))
        return self.qty(sku, location)

    def take(self, sku: str, qty: int, location: str, reason: str = "issue") -> int:
        self.item(sku)
        have = self.qty(sku, location)
        if qty > have:
            raise InventoryError(f"only {have} of {sku} at {location}, cannot take {qty}")
        self.conn.execute(SQL_SET_STOCK, (have - qty, sku, location))
        self.conn.execute(SQL_MOVE, (sku, location, -qty, reason, now()))
        return have - qty

    def move(self, sku: str, qty: int, src: str, dst: str) -> None:
        if src == dst:
            raise InventoryError("source and destination are the same")
        self.take(sku, qty, src, reason=f"move to {dst}")
        self.conn.execute(SQL_UPSERT_STOCK, (sku, dst, qty))
        self.conn.execute(SQL_MOVE, (sku, dst, qty, f"move from {src}", now()))

    def report(self, below: int | None) -> list[sqlite3.Row]:
        limit = below if below is not None else 2**62
        return self.conn.execute(SQL_REPORT, (limit,)).fetchall()

    def history(self, sku: str) -> list[sqlite3.Row]:
        self.item(sku)
        return self.conn.execute(SQL_HISTORY, (sku,)).fetchall()

    def import_csv(self, path: Path, location: str) -> int:
        """Receive stock from a CSV with columns sku,name,qty[,unit]."""
        count = 0
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                self.add(row["sku"].strip(), row.get("name"), int(row["qty"]), location,
                         row.get("unit") or "pcs")
                count += 1
        return count


def print_table(rows: Sequence[sqlite3.Row], columns: Sequence[str]) -> None:
    if not rows:
        print("(nothing)")
        return
    widths = [max(len(c), *(len(str(r[c])) for r in rows)) for c in columns]
    print("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(str(r[c]).ljust(w) for c, w in zip(columns, widths)))


def positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="inventory", description="warehouse inventory")
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("init", help="create the tables")
    a = sub.add_parser("add", help="receive stock")
    a.add_argument("sku")
    a.add_argument("name")
    a.add_argument("qty", type=positive_int)
    a.add_argument("--location", default="main")
    a.add_argument("--unit", default="pcs")
    t = sub.add_parser("take", help="issue stock")
    t.add_argument("sku")
    t.add_argument("qty", type=positive_int)
    t.add_argument("--location", default="main")
    m = sub.add_parser("move", help="move stock between locations")
    m.add_argument("sku")
    m.add_argument("qty", type=positive_int)
    m.add_argument("src")
    m.add_argument("dst")
    r = sub.add_parser("report", help="stock levels")
    r.add_argument("--low", type=int, help="only items with fewer than N in total")
    h = sub.add_parser("history", help="movements of one item")
    h.add_argument("sku")
    i = sub.add_parser("import", help="receive stock from a CSV file")
    i.add_argument("csv", type=Path)
    i.add_argument("--location", default="main")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        with connect(args.db) as conn:
            inv = Inventory(conn)
            if args.cmd == "init":
                inv.init()
                print(f"initialised {args.db}")
            elif args.cmd == "add":
                left = inv.add(args.sku, args.name, args.qty, args.location, args.unit)
                print(f"{args.sku}: {left} at {args.location}")
            elif args.cmd == "take":
                left = inv.take(args.sku, args.qty, args.location)
                print(f"{args.sku}: {left} left at {args.location}")
            elif args.cmd == "move":
                inv.move(args.sku, args.qty, args.src, args.dst)
                print(f"moved {args.qty} {args.sku} from {args.src} to {args.dst}")
            elif args.cmd == "report":
                print_table(inv.report(args.low), ["sku", "name", "unit", "total"])
            elif args.cmd == "history":
                print_table(inv.history(args.sku), ["at", "location", "delta", "reason"])
            elif args.cmd == "import":
                n = inv.import_csv(args.csv, args.location)
                print(f"imported {n} rows")
    except InventoryError as exc:
        print(f"inventory: {exc}", file=sys.stderr)
        return 1
    except sqlite3.OperationalError as exc:
        print(f"inventory: database error: {exc} (did you run 'init'?)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
