#!/usr/bin/env python3
"""Explain and preview cron schedules.

Given a five-field cron expression (the syntax of a crontab line), print
when it fires next, in plain words, and warn about common mistakes.  This
tool only *reads* expressions from its arguments or from a file you name; it
never installs anything into cron.

    cron_schedule_tool.py "*/15 9-17 * * mon-fri"
    cron_schedule_tool.py "0 3 1 * *" --next 5 --tz Europe/Berlin
    cron_schedule_tool.py --file schedules.txt --check
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}


class CronError(ValueError):
    pass


@dataclass(frozen=True)
class FieldSpec:
    name: str
    lo: int
    hi: int
    names: tuple[str, ...] = ()


FIELDS = (
    FieldSpec("minute", 0, 59),
    FieldSpec("hour", 0, 23),
    FieldSpec("day of month", 1, 31),
    FieldSpec("month", 1, 12, tuple(MONTHS)),
    FieldSpec("day of week", 0, 7, tuple(DAYS)),
)


def parse_value(text: str, spec: FieldSpec) -> int:
    t = text.lower()
    if spec.names and t in spec.names:
        return spec.names.index(t) + (1 if spec.name == "month" else 0)
    if not t.isdigit():
        raise CronError(f"{spec.name}: {text!r} is not a number")
    v = int(t)
    if not spec.lo <= v <= spec.hi:
        raise CronError(f"{spec.name}: {v} outside {spec.lo}-{spec.hi}")
    return v


def parse_field(text: str, spec: FieldSpec) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(f"{spec.name}: bad step {step_text!r}")
            step = int(step_text)
        if part == "*":
            lo, hi = spec.lo, spec.hi
        elif "-" in part:
            a, b = part.split("-", 1)
            lo, hi = parse_value(a, spec), parse_value(b, spec)
            if lo > hi:
                raise CronError(f"{spec.name}: range {part} runs backwards")
        else:
            lo = parse_value(part, spec)
            hi = spec.hi if step > 1 else lo
        values.update(range(lo, hi + 1, step))
    if spec.name == "day of week" and 7 in values:
        values.discard(7)
        values.add(0)
    return frozenset(values)


@dataclass(frozen=True)
class Schedule:
    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    day_star: bool
    weekday_star: bool

    @classmethod
    def parse(cls, text: str) -> "Schedule":
        expr = MACROS.get(text.strip().lower(), text)
        parts = expr.split()
        if len(parts) != 5:
            raise CronError(f"expected 5 fields, got {len(parts)}")
        sets = [parse_field(p, s) for p, s in zip(parts, FIELDS)]
        return cls(text, *sets, day_star=parts[2] == "*", weekday_star=parts[4] == "*")

    def day_matches(self, d: dt.date) -> bool:
        dom = d.day in self.days
        dow = (d.isoweekday() % 7) in self.weekdays
        # cron's rule: when both fields are restricted, either may match.
        if not self.day_star and not self.weekday_star:
            return dom or dow
        return dom and dow

    def upcoming(self, start: dt.datetime) -> Iterator[dt.datetime]:
        t = start.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        limit = t + dt.timedelta(days=366 * 5)
        while t < limit:
            if t.month not in self.months or not self.day_matches(t.date()):
                t = (t + dt.timedelta(days=1)).replace(hour=0, minute=0)
                continue
            if t.hour not in self.hours:
                t = (t + dt.timedelta(hours=1)).replace(minute=0)
                continue
            if t.minute in self.minutes:
                yield t
            t += dt.timedelta(minutes=1)


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def describe_set(values: frozenset[int], spec: FieldSpec) -> str:
    full = set(range(spec.lo, spec.hi + 1)) - ({7} if spec.name == "day of week" else set())
    if set(values) == full:
        return f"every {spec.name}"
    vs = sorted(values)
    if len(vs) > 2 and all(b - a == vs[1] - vs[0] for a, b in zip(vs, vs[1:])) and vs[1] - vs[0] > 1:
        return f"every {vs[1] - vs[0]} {spec.name}s from {vs[0]}"
    if spec.name == "month":
        return ", ".join(MONTHS[v - 1].title() for v in vs)
    if spec.name == "day of week":
        return ", ".join(DAYS[v].title() for v in vs)
    if spec.name == "day of month":
        return "the " + ", ".join(ordinal(v) for v in vs)
    return ", ".join(str(v) for v in vs)


def explain(s: Schedule) -> str:
    parts = []
    if len(s.minutes) == 1 and len(s.hours) == 1:
        parts.append(f"at {min(s.hours):02d}:{min(s.minutes):02d}")
    else:
        parts.append(f"minute: {describe_set(s.minutes, FIELDS[0])}")
        parts.append(f"hour: {describe_set(s.hours, FIELDS[1])}")
    if not s.day_star:
        parts.append(f"on {describe_set(s.days, FIELDS[2])}")
    if not s.weekday_star:
        parts.append(("or on " if not s.day_star else "on ") + describe_set(s.weekdays, FIELDS[4]))
    if len(s.months) < 12:
        parts.append(f"in {describe_set(s.months, FIELDS[3])}")
    return "; ".join(parts)


def lint(s: Schedule) -> list[str]:
    warnings = []
    if not s.day_star and not s.weekday_star:
        warnings.append("day-of-month and day-of-week both set: cron fires when EITHER matches")
    if s.days and min(s.days) > 28 and s.months != frozenset({1, 3, 5, 7, 8, 10, 12}):
        warnings.append("days 29-31 are skipped in short months")
    if len(s.minutes) == 60 and len(s.hours) < 24:
        warnings.append("'*' in the minute field runs every minute of those hours; did you mean 0?")
    if 2 in s.hours and s.minutes & set(range(0, 60)) and s.day_star:
        warnings.append("02:00-02:59 may be skipped or repeated on daylight-saving changes")
    return warnings


def read_expressions(path: Path) -> Iterator[tuple[int, str]]:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split()
        expr = fields[0] if fields[0].startswith("@") else " ".join(fields[:5])
        yield n, expr


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="explain and preview cron expressions")
    p.add_argument("expression", nargs="?", help="five fields, e.g. '*/5 * * * *', or @daily")
    p.add_argument("--file", type=Path, help="read one expression per line (crontab-like)")
    p.add_argument("--next", type=int, default=3, help="how many upcoming times to show")
    p.add_argument("--tz", default="UTC")
    p.add_argument("--check", action="store_true", help="only validate; exit 1 on errors")
    args = p.parse_args(argv)

    try:
        tz = ZoneInfo(args.tz)
    except ZoneInfoNotFoundError:
        p.error(f"unknown time zone {args.tz!r}")
    items: list[tuple[str, str]] = []
    if args.file:
        items = [(f"{args.file}:{n}", e) for n, e in read_expressions(args.file)]
    if args.expression:
        items.append(("argument", args.expression))
    if not items:
        p.error("give an expression or --file")

    errors = 0
    now = dt.datetime.now(tz)
    for where, expr in items:
        try:
            sched = Schedule.parse(expr)
        except CronError as exc:
            print(f"{where}: {expr!r}: {exc}")
            errors += 1
            continue
        if args.check:
            for w in lint(sched):
                print(f"{where}: warning: {w}")
            continue
        print(f"{expr}\n  {explain(sched)}")
        for w in lint(sched):
            print(f"  warning: {w}")
        for when in list(_take(sched.upcoming(now), args.next)):
            print(f"  next: {when:%a %Y-%m-%d %H:%M %Z}")
    return 1 if errors else 0


def _take(it: Iterator[dt.datetime], n: int) -> Iterator[dt.datetime]:
    for i, x in enumerate(it):
        if i >= n:
            return
        yield x


if __name__ == "__main__":
    sys.exit(main())
