#!/usr/bin/env python3
"""A command-line to-do manager with priorities, due dates, tags and
recurring tasks, stored as JSON in the user's data directory.

    todo add "Renew passport" --due 2024-09-01 --priority high --tag admin
    todo list --tag admin --overdue
    todo done 3
    todo add "Water plants" --every 3d
    todo export --format csv > tasks.csv
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import enum
import json
import os
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable

APP = "todo"


def data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    path = Path(base) / APP
    path.mkdir(parents=True, exist_ok=True)
    return path


class Priority(enum.IntEnum):
    LOW = 1
    NORMAL = 2
    HIGH = 3

    @classmethod
    def parse(cls, text: str) -> "Priority":
        try:
            return cls[text.upper()]
        except KeyError:
            raise argparse.ArgumentTypeError(
                f"priority must be one of {', '.join(p.name.lower() for p in cls)}") from None


RECUR_RE = re.compile(r"^(\d+)([dwm])$")


def parse_recurrence(text: str) -> str:
    if not RECUR_RE.match(text):
        raise argparse.ArgumentTypeError("recurrence looks like 3d, 2w or 1m")
    return text


def advance(day: dt.date, every: str) -> dt.date:
    n, unit = RECUR_RE.match(every).groups()
    n = int(n)
    if unit == "d":
        return day + dt.timedelta(days=n)
    if unit == "w":
        return day + dt.timedelta(weeks=n)
    month = day.month - 1 + n
    year = day.year + month // 12
    month = month % 12 + 1
    last_day = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
                31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return dt.date(year, month, min(day.day, last_day))


@dataclass
class Task:
    id: int
    title: str
    priority: int = Priority.NORMAL
    due: str | None = None
    tags: list[str] = field(default_factory=list)
    every: str | None = None
    done: bool = False
    created: str = field(default_factory=lambda: dt.date.today().isoformat())
    completed: str | None = None

    @property
    def due_date(self) -> dt.date | None:
        return dt.date.fromisoformat(self.due) if self.due else None

    def overdue(self, today: dt.date) -> bool:
        return not self.done and self.due_date is not None and self.due_date < today

    def line(self, today: dt.date) -> str:
        mark = "x" if self.done else " "
        pr = {1: " ", 2: "·", 3: "!"}[int(self.priority)]
        due = ""
        if self.due_date:
            delta = (self.due_date - today).days
            if self.done:
                due = f" (due {self.due})"
            elif delta < 0:
                due = f" (OVERDUE {-delta}d)"
            elif delta == 0:
                due = " (due today)"
            else:
                due = f" (in {delta}d)"
        tags = "".join(f" #{t}" for t in self.tags)
        rec = f" ↻{self.every}" if self.every else ""
        return f"[{mark}] {self.id:>3} {pr} {self.title}{due}{rec}{tags}"


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.tasks: list[Task] = []
        if path.exists():
            raw = json.loads(path.read_text(encoding="utf-8"))
            self.tasks = [Task(**t) for t in raw.get("tasks", [])]

    def save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"version": 1, "tasks": [asdict(t) for t in self.tasks]},
                                  indent=2, ensure_ascii=False), encoding="utf-8")
        tmp.replace(self.path)

    def next_id(self) -> int:
        return max((t.id for t in self.tasks), default=0) + 1

    def get(self, ident: int) -> Task:
        for t in self.tasks:
            if t.id == ident:
                return t
        raise SystemExit(f"todo: no task {ident}")

    def add(self, title: str, priority: Priority, due: str | None, tags: Iterable[str],
            every: str | None) -> Task:
        task = Task(self.next_id(), title, int(priority), due, sorted(set(tags)), every)
        self.tasks.append(task)
        return task

    def complete(self, ident: int, today: dt.date) -> Task | None:
        task = self.get(ident)
        task.done = True
        task.completed = today.isoformat()
        if task.every:
            base = task.due_date or today
            follow = Task(self.next_id(), task.title, task.priority,
                          advance(base, task.every).isoformat(), list(task.tags), task.every)
            self.tasks.append(follow)
            return follow
        return None

    def query(self, *, tag: str | None = None, show_done: bool = False, overdue: bool = False,
              today: dt.date) -> list[Task]:
        out = [t for t in self.tasks if show_done or not t.done]
        if tag:
            out = [t for t in out if tag in t.tags]
        if overdue:
            out = [t for t in out if t.overdue(today)]
        far = dt.date.max
        return sorted(out, key=lambda t: (t.done, -int(t.priority), t.due_date or far, t.id))

    def purge(self, older_than_days: int, today: dt.date) -> int:
        cutoff = today - dt.timedelta(days=older_than_days)
        keep = [t for t in self.tasks
                if not (t.done and t.completed and dt.date.fromisoformat(t.completed) < cutoff)]
        removed = len(self.tasks) - len(keep)
        self.tasks = keep
        return removed


def iso_date(text: str) -> str:
    today = dt.date.today()
    shortcuts = {"today": today, "tomorrow": today + dt.timedelta(days=1)}
    if text in shortcuts:
        return shortcuts[text].isoformat()
    m = re.fullmatch(r"\+(\d+)d", text)
    if m:
        return (today + dt.timedelta(days=int(m.group(1)))).isoformat()
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError("dates are YYYY-MM-DD, today, tomorrow or +Nd") from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="todo")
    p.add_argument("--file", type=Path, help="task file (default: data dir)")
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("add")
    a.add_argument("title")
    a.add_argument("--priority", type=Priority.parse, default=Priority.NORMAL)
    a.add_argument("--due", type=iso_date)
    a.add_argument("--tag", action="append", default=[])
    a.add_argument("--every", type=parse_recurrence)
    ls = sub.add_parser("list")
    ls.add_argument("--tag")
    ls.add_argument("--all", action="store_true")
    ls.add_argument("--overdue", action="store_true")
    d = sub.add_parser("done")
    d.add_argument("ids", type=int, nargs="+")
    r = sub.add_parser("rm")
    r.add_argument("ids", type=int, nargs="+")
    e = sub.add_parser("export")
    e.add_argument("--format", choices=["csv", "json", "markdown"], default="csv")
    pg = sub.add_parser("purge", help="forget tasks completed long ago")
    pg.add_argument("--days", type=int, default=90)
    return p


def export(tasks: list[Task], fmt: str, today: dt.date) -> None:
    if fmt == "json":
        json.dump([asdict(t) for t in tasks], sys.stdout, indent=2, ensure_ascii=False)
        print()
    elif fmt == "csv":
        w = csv.DictWriter(sys.stdout, fieldnames=list(asdict(tasks[0]).keys()) if tasks else ["id"])
        w.writeheader()
        for t in tasks:
            row = asdict(t)
            row["tags"] = " ".join(t.tags)
            w.writerow(row)
    else:
        for t in tasks:
            print(f"- [{'x' if t.done else ' '}] {t.title}" + (f" — due {t.due}" if t.due else ""))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    store = Store(args.file or data_dir() / "tasks.json")
    today = dt.date.today()
    if args.cmd == "add":
        t = store.add(args.title, args.priority, args.due, args.tag, args.every)
        print(f"added {t.id}: {t.title}")
    elif args.cmd == "list":
        tasks = store.query(tag=args.tag, show_done=args.all, overdue=args.overdue, today=today)
        for t in tasks:
            print(t.line(today))
        if not tasks:
            print("nothing to do 🎉")
    elif args.cmd == "done":
        for ident in args.ids:
            follow = store.complete(ident, today)
            print(f"done {ident}" + (f"; next on {follow.due} as {follow.id}" if follow else ""))
    elif args.cmd == "rm":
        victims = {store.get(i).id for i in args.ids}
        store.tasks = [t for t in store.tasks if t.id not in victims]
        print(f"removed {len(victims)}")
    elif args.cmd == "export":
        export(store.query(show_done=True, today=today), args.format, today)
        return 0
    elif args.cmd == "purge":
        print(f"purged {store.purge(args.days, today)} old task(s)")
    store.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
