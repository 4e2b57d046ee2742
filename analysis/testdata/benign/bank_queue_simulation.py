#!/usr/bin/env python3
"""Discrete-event simulation of a bank branch with N tellers.

Customers arrive as a Poisson process, pick the shortest queue (or a single
shared queue with --shared), and are served with exponentially distributed
service times.  The simulation reports waiting-time percentiles, teller
utilisation and queue lengths, and can sweep the number of tellers to find
the smallest staff that keeps the 90th percentile wait under a target.

    bank_queue_simulation.py --tellers 3 --rate 1.2 --service 2.0 --hours 8
    bank_queue_simulation.py --sweep 1-8 --target 5 --runs 20 --csv sweep.csv
"""

from __future__ import annotations

import argparse
import csv
import heapq
import itertools
import math
import random
import statistics
import sys
from dataclasses import dataclass, field
from typing import Callable


@dataclass(order=True)
class Event:
    time: float
    seq: int
    kind: str = field(compare=False)
    customer: int = field(compare=False, default=-1)
    teller: int = field(compare=False, default=-1)


@dataclass
class Customer:
    ident: int
    arrived: float
    started: float | None = None
    finished: float | None = None
    teller: int | None = None

    @property
    def wait(self) -> float:
        return (self.started or self.arrived) - self.arrived


@dataclass
class Teller:
    ident: int
    queue: list[int] = field(default_factory=list)
    busy_until: float = 0.0
    busy_time: float = 0.0
    serving: int | None = None


@dataclass
class Result:
    tellers: int
    customers: int
    mean_wait: float
    p50: float
    p90: float
    p99: float
    max_queue: int
    utilisation: float


class Simulation:
    def __init__(self, tellers: int, arrival_rate: float, mean_service: float,
                 duration: float, shared_queue: bool, rng: random.Random) -> None:
        self.tellers = [Teller(i) for i in range(tellers)]
        self.arrival_rate = arrival_rate
        self.mean_service = mean_service
        self.duration = duration
        self.shared = shared_queue
        self.shared_queue: list[int] = []
        self.rng = rng
        self.events: list[Event] = []
        self.seq = itertools.count()
        self.customers: dict[int, Customer] = {}
        self.now = 0.0
        self.max_queue = 0

    def schedule(self, when: float, kind: str, **kw) -> None:
        heapq.heappush(self.events, Event(when, next(self.seq), kind, **kw))

    def service_time(self) -> float:
        return self.rng.expovariate(1.0 / self.mean_service)

    def next_arrival(self) -> float:
        return self.now + self.rng.expovariate(self.arrival_rate)

    def queue_of(self, teller: Teller) -> list[int]:
        return self.shared_queue if self.shared else teller.queue

    def choose_teller(self) -> Teller:
        idle = [t for t in self.tellers if t.serving is None]
        if idle:
            return self.rng.choice(idle)
        return min(self.tellers, key=lambda t: (len(t.queue), t.ident))

    def start_service(self, teller: Teller, cid: int) -> None:
        c = self.customers[cid]
        c.started = self.now
        c.teller = teller.ident
        teller.serving = cid
        dur = self.service_time()
        teller.busy_time += dur
        teller.busy_until = self.now + dur
        self.schedule(self.now + dur, "depart", customer=cid, teller=teller.ident)

    def on_arrive(self, ev: Event) -> None:
        cid = ev.customer
        self.customers[cid] = Customer(cid, self.now)
        teller = self.choose_teller()
        if teller.serving is None:
            self.start_service(teller, cid)
        else:
            q = self.queue_of(teller)
            q.append(cid)
            self.max_queue = max(self.max_queue, len(q))
        nxt = self.next_arrival()
        if nxt < self.duration:
            self.schedule(nxt, "arrive", customer=cid + 1)

    def on_depart(self, ev: Event) -> None:
        teller = self.tellers[ev.teller]
        self.customers[ev.customer].finished = self.now
        teller.serving = None
        q = self.queue_of(teller)
        if q:
            self.start_service(teller, q.pop(0))

    def run(self) -> Result:
        self.schedule(self.next_arrival(), "arrive", customer=0)
        handlers: dict[str, Callable[[Event], None]] = {
            "arrive": self.on_arrive,
            "depart": self.on_depart,
        }
        while self.events:
            ev = heapq.heappop(self.events)
            self.now = ev.time
            handlers[ev.kind](ev)
        return self.result()

    def result(self) -> Result:
        waits = sorted(c.wait for c in self.customers.values() if c.started is not None)
        end = max(self.now, self.duration)
        util = sum(t.busy_time for t in self.tellers) / (len(self.tellers) * end) if end else 0.0
        return Result(
            tellers=len(self.tellers),
            customers=len(waits),
            mean_wait=statistics.fmean(waits) if waits else 0.0,
            p50=percentile(waits, 50),
            p90=percentile(waits, 90),
            p99=percentile(waits, 99),
            max_queue=self.max_queue,
            utilisation=min(util, 1.0),
        )


def percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return 0.0
    k = (len(sorted_values) - 1) * pct / 100
    lo, hi = math.floor(k), math.ceil(k)
    if lo == hi:
        return sorted_values[int(k)]
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def erlang_c(tellers: int, rate: float, mean_service: float) -> float | None:
    """Probability of waiting in an M/M/c queue (None when unstable)."""
    a = rate * mean_service
    if a >= tellers:
        return None
    top = a ** tellers / math.factorial(tellers) * tellers / (tellers - a)
    bottom = sum(a ** k / math.factorial(k) for k in range(tellers)) + top
    return top / bottom


def average_runs(tellers: int, args: argparse.Namespace, seeds: list[int]) -> Result:
    results = [
        Simulation(tellers, args.rate, args.service, args.hours * 60, args.shared,
                   random.Random(seed)).run()
        for seed in seeds
    ]
    def mean(attr: str) -> float:
        return statistics.fmean(getattr(r, attr) for r in results)
    return Result(
        tellers=tellers,
        customers=round(mean("customers")),
        mean_wait=mean("mean_wait"),
        p50=mean("p50"),
        p90=mean("p90"),
        p99=mean("p99"),
        max_queue=max(r.max_queue for r in results),
        utilisation=mean("utilisation"),
    )


def parse_range(text: str) -> range:
    lo, _, hi = text.partition("-")
    return range(int(lo), int(hi or lo) + 1)


def print_result(r: Result, theory: float | None) -> None:
    pw = f"{theory:.2f}" if theory is not None else "unstable"
    print(f"tellers={r.tellers:<2} customers={r.customers:<5} wait mean={r.mean_wait:6.2f} "
          f"p50={r.p50:6.2f} p90={r.p90:6.2f} p99={r.p99:6.2f} maxq={r.max_queue:<3} "
          f"util={r.utilisation:5.1%} P(wait) theory={pw}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="bank teller queue simulation (minutes)")
    p.add_argument("--tellers", type=int, default=3)
    p.add_argument("--rate", type=float, default=1.0, help="arrivals per minute")
    p.add_argument("--service", type=float, default=2.5, help="mean service minutes")
    p.add_argument("--hours", type=float, default=8)
    p.add_argument("--shared", action="store_true", help="one queue for all tellers")
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--sweep", type=parse_range, help="teller counts to try, e.g. 1-6")
    p.add_argument("--target", type=float, default=5.0, help="p90 wait target in minutes")
    p.add_argument("--csv", help="write results to this CSV file")
    args = p.parse_args(argv)

    seeds = [args.seed + i for i in range(args.runs)]
    counts = args.sweep or range(args.tellers, args.tellers + 1)
    results = []
    for n in counts:
        r = average_runs(n, args, seeds)
        results.append(r)
        print_result(r, erlang_c(n, args.rate, args.service))
    if args.sweep:
        good = [r for r in results if r.p90 <= args.target]
        if good:
            print(f"\nsmallest staff meeting p90 <= {args.target} min: {good[0].tellers}")
        else:
            print(f"\nno staff size in {args.sweep.start}-{args.sweep.stop - 1} meets the target")
    if args.csv:
        with open(args.csv, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(Result.__dataclass_fields__.keys())
            for r in results:
                w.writerow([getattr(r, f) for f in Result.__dataclass_fields__])
    return 0


if __name__ == "__main__":
    sys.exit(main())
