#!/usr/bin/env python3
"""Load weather-station CSV exports into SQLite and compute daily summaries.

Input files look like::

    station,timestamp,temp_c,humidity,pressure_hpa,wind_ms,rain_mm
    ZRH,2024-05-01T00:10:00Z,9.4,81,1012.3,2.1,0.0

The pipeline is: read -> validate/clean -> upsert raw readings -> rebuild the
daily table for the days touched -> optional CSV/JSON export.  Every value
goes through ``?`` parameters.  The only text spliced into SQL is a column
name, and only after checking it against the fixed ALLOWED_METRICS set.

    weather_etl.py load data/*.csv --db weather.db
    weather_etl.py daily --db weather.db --station ZRH --from 2024-05-01
    weather_etl.py export --db weather.db --metric temp_c --format json
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import logging
import math
import sqlite3
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

log = logging.getLogger("weather_etl")

ALLOWED_METRICS = ("temp_c", "humidity", "pressure_hpa", "wind_ms", "rain_mm")
LIMITS = {
    "temp_c": (-60.0, 60.0),
    "humidity": (0.0, 100.0),
    "pressure_hpa": (850.0, 1090.0),
    "wind_ms": (0.0, 80.0),
    "rain_mm": (0.0, 300.0),
}

DDL = """
CREATE TABLE IF NOT EXISTS readings (
    station TEXT NOT NULL,
    ts TEXT NOT NULL,
    temp_c REAL, humidity REAL, pressure_hpa REAL, wind_ms REAL, rain_mm REAL,
    PRIMARY KEY (station, ts)
);
CREATE TABLE IF NOT EXISTS daily (
    station TEXT NOT NULL,
    day TEXT NOT NULL,
    n INTEGER NOT NULL,
    temp_min REAL, temp_max REAL, temp_mean REAL,
    rain_total REAL, wind_max REAL,
    PRIMARY KEY (station, day)
);
CREATE TABLE IF NOT EXISTS load_log (
    file TEXT NOT NULL, loaded_at TEXT NOT NULL, rows INTEGER NOT NULL, rejected INTEGER NOT NULL
);
"""

UPSERT = """
INSERT INTO readings (station, ts, temp_c, humidity, pressure_hpa, wind_ms, rain_mm)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (station, ts) DO UPDATE SET
    temp_c = excluded.temp_c, humidity = excluded.humidity,
    pressure_hpa = excluded.pressure_hpa, wind_ms = excluded.wind_ms, rain_mm = excluded.rain_mm
"""

DAILY_SOURCE = """
SELECT temp_c, rain_mm, wind_ms FROM readings
WHERE station = ? AND ts >= ? AND ts < ?
"""

DAILY_UPSERT = """
INSERT OR REPLACE INTO daily (station, day, n, temp_min, temp_max, temp_mean, rain_total, wind_max)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
"""


@dataclass(frozen=True)
class Reading:
    station: str
    ts: dt.datetime
    values: dict[str, float | None]

    def row(self) -> tuple:
        return (self.station, self.ts.isoformat(), *(self.values[m] for m in ALLOWED_METRICS))


class Rejected(ValueError):
    pass


def parse_float(text: str, metric: str) -> float | None:
    text = text.strip()
    if text in ("", "NA", "NaN", "-"):
        return None
    v = float(text)
    if math.isnan(v):
        return None
    lo, hi = LIMITS[metric]
    if not lo <= v <= hi:
        raise Rejected(f"{metric}={v} outside {lo}..{hi}")
    return v


def read_csv(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = {"station", "timestamp"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}: missing columns {sorted(missing)}")
        for n, row in enumerate(reader, start=2):
            yield n, row


def clean(row: dict[str, str]) -> Reading:
    station = row["station"].strip().upper()
    if not station.isalnum() or len(station) > 8:
        raise Rejected(f"bad station {station!r}")
    ts = dt.datetime.fromisoformat(row["timestamp"].strip().replace("Z", "+00:00"))
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=dt.timezone.utc)
    values = {m: parse_float(row.get(m, ""), m) for m in ALLOWED_METRICS}
    if all(v is None for v in values.values()):
        raise Rejected("no measurements")
    return Reading(station, ts.astimezone(dt.timezone.utc), values)


def connect(db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db)
    conn.executescript(DDL)
    return conn


def load(conn: sqlite3.Connection, files: Iterable[Path]) -> set[tuple[str, dt.date]]:
    touched: set[tuple[str, dt.date]] = set()
    for path in files:
        good: list[tuple] = []
        rejected = 0
        for n, raw in read_csv(path):
            try:
                r = clean(raw)
            except (Rejected, ValueError, KeyError) as exc:
                rejected += 1
                log.debug("%s:%d rejected: %s", path, n, exc)
                continue
            good.append(r.row())
            touched.add((r.station, r.ts.date()))
        with conn:
            conn.executemany(UPSERT, good)
            conn.execute("INSERT INTO load_log VALUES (?, ?, ?, ?)",
                         (str(path), dt.datetime.now(dt.timezone.utc).isoformat(), len(good), rejected))
        log.info("%s: %d rows loaded, %d rejected", path.name, len(good), rejected)
    return touched


def rebuild_daily(conn: sqlite3.Connection, days: Iterable[tuple[str, dt.date]]) -> int:
    count = 0
    with conn:
        for station, day in sorted(days):
            start = dt.datetime.combine(day, dt.time(), dt.timezone.utc)
            end = start + dt.timedelta(days=1)
            rows = conn.execute(DAILY_SOURCE, (station, start.isoformat(), end.isoformat())).fetchall()
            temps = [r[0] for r in rows if r[0] is not None]
            rain = [r[1] for r in rows if r[1] is not None]
            wind = [r[2] for r in rows if r[2] is not None]
            conn.execute(DAILY_UPSERT, (
                station, day.isoformat(), len(rows),
                min(temps, default=None), max(temps, default=None),
                round(statistics.fmean(temps), 2) if temps else None,
                round(sum(rain), 1) if rain else None,
                max(wind, default=None),
            ))
            count += 1
    return count


def metric_series(conn: sqlite3.Connection, metric: str, station: str | None) -> list[tuple]:
    if metric not in ALLOWED_METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose from {', '.join(ALLOWED_METRICS)}")
    # The column name cannot be a parameter; it is one of ALLOWED_METRICS.
    sql = f"SELECT station, ts, {metric} FROM readings WHERE {metric} IS NOT NULL"
    params: list = []
    if station:
        sql += " AND station = ?"
        params.append(station)
    return conn.execute(sql + " ORDER BY station, ts", params).fetchall()


def daily_rows(conn: sqlite3.Connection, station: str | None, since: str | None) -> list[tuple]:
    sql = "SELECT * FROM daily WHERE 1 = 1"
    params: list = []
    if station:
        sql += " AND station = ?"
        params.append(station)
    if since:
        sql += " AND day >= ?"
        params.append(since)
    return conn.execute(sql + " ORDER BY station, day", params).fetchall()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="weather CSV to SQLite pipeline")
    p.add_argument("--db", type=Path, default=Path("weather.db"))
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="cmd", required=True)
    ld = sub.add_parser("load")
    ld.add_argument("files", nargs="+", type=Path)
    dy = sub.add_parser("daily")
    dy.add_argument("--station")
    dy.add_argument("--from", dest="since")
    ex = sub.add_parser("export")
    ex.add_argument("--metric", required=True, choices=ALLOWED_METRICS)
    ex.add_argument("--station")
    ex.add_argument("--format", choices=("csv", "json"), default="csv")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(message)s")

    conn = connect(args.db)
    try:
        if args.cmd == "load":
            touched = load(conn, args.files)
            print(f"rebuilt {rebuild_daily(conn, touched)} daily rows")
        elif args.cmd == "daily":
            w = csv.writer(sys.stdout)
            w.writerow(["station", "day", "n", "tmin", "tmax", "tmean", "rain", "wind_max"])
            w.writerows(daily_rows(conn, args.station, args.since))
        else:
            rows = metric_series(conn, args.metric, args.station)
            if args.format == "json":
                json.dump([{"station": s, "ts": t, args.metric: v} for s, t, v in rows], sys.stdout)
                print()
            else:
                w = csv.writer(sys.stdout)
                w.writerow(["station", "ts", args.metric])
                w.writerows(rows)
    except (ValueError, OSError) as exc:
        print(f"weather_etl: {exc}", file=sys.stderr)
        return 1
    finally:
        conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
