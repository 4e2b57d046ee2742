#!/usr/bin/env python3
"""An interactive shell for exploring a local SQLite database, built on the
standard ``cmd`` module.

Commands: tables, schema TABLE, count TABLE, head TABLE [N], find TABLE COL
VALUE, export TABLE FILE.csv, sql <statement>, mode table|csv|json, quit.

Identifiers (table and column names) typed by the user are checked against
the database's own catalogue before they are quoted into a statement;
values always go through ``?`` parameters.  ``sql`` runs a statement the
user typed against their own database file, read-only unless --write.

    sqlite_shell.py shop.db
    sqlite_shell.py shop.db --write
"""

from __future__ import annotations

import argparse
import cmd
import csv
import json
import shlex
import sqlite3
import sys
from pathlib import Path


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Shell(cmd.Cmd):
    intro = "SQLite explorer. Type help or ? to list commands."
    prompt = "sqlite> "

    def __init__(self, db: Path, writable: bool) -> None:
        super().__init__()
        uri = f"file:{db}?mode={'rw' if writable else 'ro'}"
        self.conn = sqlite3.connect(uri, uri=True)
        self.conn.row_factory = sqlite3.Row
        self.mode = "table"
        self.writable = writable

    # --- helpers ------------------------------------------------------------
    def tables(self) -> list[str]:
        rows = self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name"
        ).fetchall()
        return [r["name"] for r in rows]

    def columns(self, table: str) -> list[str]:
        return [r["name"] for r in self.conn.execute(f"PRAGMA table_info({quote_ident(table)})")]

    def check_table(self, table: str) -> str | None:
        if table not in self.tables():
            print(f"no table {table!r}; try: tables")
            return None
        return table

    def show(self, rows: list[sqlite3.Row]) -> None:
        if not rows:
            print("(no rows)")
            return
        cols = rows[0].keys()
        if self.mode == "json":
            print(json.dumps([dict(r) for r in rows], indent=1, default=str))
        elif self.mode == "csv":
            w = csv.writer(sys.stdout)
            w.writerow(cols)
            w.writerows([list(r) for r in rows])
        else:
            widths = [min(40, max(len(c), *(len(str(r[c])) for r in rows))) for c in cols]
            print("  ".join(c.ljust(w) for c, w in zip(cols, widths)))
            print("  ".join("-" * w for w in widths))
            for r in rows:
                print("  ".join(str(r[c])[:w].ljust(w) for c, w in zip(cols, widths)))

    def args(self, line: str, n: int, usage: str) -> list[str] | None:
        try:
            parts = shlex.split(line)
        except ValueError as exc:
            print(f"error: {exc}")
            return None
        if len(parts) < n:
            print(f"usage: {usage}")
            return None
        return parts

    # --- commands -----------------------------------------------------------
    def do_tables(self, _line: str) -> None:
        """tables: list tables and views"""
        for t in self.tables():
            print(t)

    def do_schema(self, line: str) -> None:
        """schema TABLE: show the CREATE statement"""
        if (a := self.args(line, 1, "schema TABLE")) and self.check_table(a[0]):
            row = self.conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (a[0],)).fetchone()
            print(row["sql"])

    def do_count(self, line: str) -> None:
        """count TABLE: number of rows"""
        if (a := self.args(line, 1, "count TABLE")) and self.check_table(a[0]):
            n = self.conn.execute(f"SELECT COUNT(*) FROM {quote_ident(a[0])}").fetchone()[0]
            print(n)

    def do_head(self, line: str) -> None:
        """head TABLE [N]: first N rows (default 10)"""
        if (a := self.args(line, 1, "head TABLE [N]")) and self.check_table(a[0]):
            limit = int(a[1]) if len(a) > 1 and a[1].isdigit() else 10
            self.show(self.conn.execute(f"SELECT * FROM {quote_ident(a[0])} LIMIT ?", (limit,)).fetchall())

    def do_find(self, line: str) -> None:
        """find TABLE COLUMN VALUE: rows where COLUMN equals VALUE"""
        a = self.args(line, 3, "find TABLE COLUMN VALUE")
        if not a or not self.check_table(a[0]):
            return
        if a[1] not in self.columns(a[0]):
            print(f"no column {a[1]!r} in {a[0]}; columns: {', '.join(self.columns(a[0]))}")
            return
        sql = f"SELECT * FROM {quote_ident(a[0])} WHERE {quote_ident(a[1])} = ? LIMIT 100"
        self.show(self.conn.execute(sql, (a[2],)).fetchall())

    def do_export(self, line: str) -> None:
        """export TABLE FILE.csv: write the whole table as CSV"""
        a = self.args(line, 2, "export TABLE FILE.csv")
        if not a or not self.check_table(a[0]):
            return
        out = Path(a[1])
        if out.exists():
            print(f"{out} exists; choose another name")
            return
        cur = self.conn.execute(f"SELECT * FROM {quote_ident(a[0])}")
        with out.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow([d[0] for d in cur.description])
            n = 0
            for row in cur:
                w.writerow(list(row))
                n += 1
        print(f"wrote {n} rows to {out}")

    def do_sql(self, line: str) -> None:
        """sql STATEMENT: run one SQL statement typed at the prompt"""
        if not line.strip():
            print("usage: sql SELECT ...")
            return
        try:
            cur = self.conn.execute(line)
        except sqlite3.Error as exc:
            print(f"error: {exc}")
            return
        if cur.description:
            self.show(cur.fetchall())
        else:
            self.conn.commit()
            print(f"{cur.rowcount} row(s) affected")

    def do_mode(self, line: str) -> None:
        """mode table|csv|json: output format"""
        if line.strip() in ("table", "csv", "json"):
            self.mode = line.strip()
        else:
            print(f"mode is {self.mode}; choose table, csv or json")

    def do_quit(self, _line: str) -> bool:
        """quit: leave the shell"""
        self.conn.close()
        return True

    do_exit = do_quit
    do_EOF = do_quit

    def complete_head(self, text, *_):
        return [t for t in self.tables() if t.startswith(text)]

    complete_count = complete_schema = complete_find = complete_export = complete_head

    def emptyline(self) -> bool:
        return False

    def default(self, line: str) -> None:
        print(f"unknown command {line.split()[0]!r}; type help")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="explore a SQLite database")
    p.add_argument("db", type=Path)
    p.add_argument("--write", action="store_true", help="open read-write (default read-only)")
    p.add_argument("-c", "--command", help="run one shell command and exit")
    args = p.parse_args(argv)
    if not args.db.exists():
        p.error(f"{args.db} does not exist")
    shell = Shell(args.db, args.write)
    if args.command:
        shell.onecmd(args.command)
        return 0
    try:
        shell.cmdloop()
    except KeyboardInterrupt:
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
