#!/usr/bin/env python3
"""Expose application metrics in the Prometheus text format on localhost.

The exporter tails the application's JSON log, keeps counters, gauges and
histograms in memory, and serves ``/metrics`` on 127.0.0.1 for the local
Prometheus agent to scrape.  It also serves ``/healthz``.  It never binds to
all interfaces; the agent runs on the same host.

    metrics_exporter.py --log /var/log/app/app.jsonl --port 9464
"""

from __future__ import annotations

import argparse
import bisect
import json
import logging
import math
import os
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterable

log = logging.getLogger("exporter")

NAME_RE = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

Labels = tuple[tuple[str, str], ...]


def escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def fmt_labels(labels: Labels, extra: dict[str, str] | None = None) -> str:
    items = list(labels) + sorted((extra or {}).items())
    if not items:
        return ""
    return "{" + ",".join(f'{k}="{escape_label(v)}"' for k, v in items) + "}"


def fmt_value(v: float) -> str:
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    if math.isnan(v):
        return "NaN"
    return repr(float(v)) if not float(v).is_integer() else str(int(v))


@dataclass
class Metric:
    name: str
    help: str
    kind: str
    label_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not NAME_RE.match(self.name):
            raise ValueError(f"bad metric name {self.name!r}")
        for ln in self.label_names:
            if not LABEL_RE.match(ln) or ln.startswith("__"):
                raise ValueError(f"bad label name {ln!r}")

    def key(self, labels: dict[str, str]) -> Labels:
        if set(labels) != set(self.label_names):
            raise ValueError(f"{self.name} takes labels {self.label_names}, got {sorted(labels)}")
        return tuple((k, str(labels[k])) for k in self.label_names)

    def header(self) -> list[str]:
        return [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} {self.kind}"]


@dataclass
class Counter(Metric):
    kind: str = "counter"
    values: dict[Labels, float] = field(default_factory=lambda: defaultdict(float))

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        if amount < 0:
            raise ValueError("counters only go up")
        self.values[self.key(labels)] += amount

    def render(self) -> list[str]:
        return self.header() + [f"{self.name}{fmt_labels(k)} {fmt_value(v)}" for k, v in sorted(self.values.items())]


@dataclass
class Gauge(Metric):
    kind: str = "gauge"
    values: dict[Labels, float] = field(default_factory=dict)

    def set(self, value: float, **labels: str) -> None:
        self.values[self.key(labels)] = value

    def render(self) -> list[str]:
        return self.header() + [f"{self.name}{fmt_labels(k)} {fmt_value(v)}" for k, v in sorted(self.values.items())]


@dataclass
class Histogram(Metric):
    kind: str = "histogram"
    buckets: tuple[float, ...] = DEFAULT_BUCKETS
    counts: dict[Labels, list[int]] = field(default_factory=dict)
    sums: dict[Labels, float] = field(default_factory=lambda: defaultdict(float))

    def observe(self, value: float, **labels: str) -> None:
        k = self.key(labels)
        counts = self.counts.setdefault(k, [0] * (len(self.buckets) + 1))
        counts[bisect.bisect_left(self.buckets, value)] += 1
        self.sums[k] += value

    def render(self) -> list[str]:
        out = self.header()
        for k, counts in sorted(self.counts.items()):
            running = 0
            for bound, c in zip((*self.buckets, math.inf), counts):
                running += c
                out.append(f"{self.name}_bucket{fmt_labels(k, {'le': fmt_value(bound)})} {running}")
            out.append(f"{self.name}_sum{fmt_labels(k)} {fmt_value(self.sums[k])}")
            out.append(f"{self.name}_count{fmt_labels(k)} {running}")
        return out


class Registry:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.metrics: list[Metric] = []

    def register(self, m: Metric) -> Metric:
        if any(x.name == m.name for x in self.metrics):
            raise ValueError(f"duplicate metric {m.name}")
        self.metrics.append(m)
        return m

    def exposition(self) -> str:
        with self.lock:
            lines: list[str] = []
            for m in self.metrics:
                lines.extend(m.render())  # type: ignore[attr-defined]
        return "\n".join(lines) + "\n"


REG = Registry()
REQUESTS = REG.register(Counter("app_requests_total", "HTTP requests handled", label_names=("method", "status")))
LATENCY = REG.register(Histogram("app_request_seconds", "request latency", label_names=("route",)))
ERRORS = REG.register(Counter("app_errors_total", "errors logged", label_names=("kind",)))
LAST_EVENT = REG.register(Gauge("app_last_event_timestamp_seconds", "time of the last log line"))
LINES = REG.register(Counter("exporter_lines_total", "log lines read", label_names=("result",)))


def route_of(path: str) -> str:
    path = path.split("?", 1)[0]
    return re.sub(r"/\d+(?=/|$)", "/:id", path) or "/"


def handle_record(rec: dict) -> None:
    with REG.lock:
        if rec.get("event") == "request":
            REQUESTS.inc(method=str(rec.get("method", "GET")), status=str(rec.get("status", 0)))
            LATENCY.observe(float(rec.get("duration_ms", 0)) / 1000.0, route=route_of(str(rec.get("path", "/"))))
        if rec.get("level") in ("error", "critical"):
            ERRORS.inc(kind=str(rec.get("error_type", "unknown"))[:40])
        LAST_EVENT.set(float(rec.get("ts", time.time())))


def follow(path: Path, stop: threading.Event, from_start: bool) -> Iterable[str]:
    while not stop.is_set() and not path.exists():
        time.sleep(1)
    fh = path.open("r", encoding="utf-8", errors="replace")
    inode = os.fstat(fh.fileno()).st_ino
    if not from_start:
        fh.seek(0, os.SEEK_END)
    while not stop.is_set():
        line = fh.readline()
        if line:
            yield line
            continue
        time.sleep(0.5)
        try:
            if os.stat(path).st_ino != inode:  # rotated: reopen
                fh.close()
                fh = path.open("r", encoding="utf-8", errors="replace")
                inode = os.fstat(fh.fileno()).st_ino
        except FileNotFoundError:
            pass
    fh.close()


def tail_loop(path: Path, stop: threading.Event, from_start: bool) -> None:
    for line in follow(path, stop, from_start):
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            with REG.lock:
                LINES.inc(result="unparsed")
            continue
        handle_record(rec)
        with REG.lock:
            LINES.inc(result="ok")


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt: str, *args) -> None:
        log.debug(fmt, *args)

    def do_GET(self) -> None:
        if self.path == "/metrics":
            body = REG.exposition().encode()
            ctype = "text/plain; version=0.0.4; charset=utf-8"
        elif self.path == "/healthz":
            body, ctype = b"ok\n", "text/plain"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main() -> int:
    p = argparse.ArgumentParser(description="Prometheus exporter for the app's JSON log")
    p.add_argument("--log", type=Path, required=True)
    p.add_argument("--port", type=int, default=9464)
    p.add_argument("--from-start", action="store_true", help="replay the whole log first")
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    stop = threading.Event()
    tailer = threading.Thread(target=tail_loop, args=(args.log, stop, args.from_start), daemon=True)
    tailer.start()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    log.info("serving metrics on http://127.0.0.1:%d/metrics", args.port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
