#!/usr/bin/env python3
"""Compare CPU scheduling policies on a workload: FCFS, SJF, SRTF, round
robin and a multi-level feedback queue.  Prints per-policy averages and an
ASCII Gantt chart; workloads come from a CSV or are generated.

    cpu_scheduler_sim.py --generate 12 --seed 5 --quantum 3
    cpu_scheduler_sim.py --csv jobs.csv --policy rr --gantt

jobs.csv columns: name,arrival,burst[,priority]
"""

from __future__ import annotations

import argparse
import csv
import heapq
import random
import statistics
import sys
from collections import deque
from dataclasses import dataclass, field
from typing import Callable


@dataclass
class Job:
    name: str
    arrival: int
    burst: int
    priority: int = 0
    remaining: int = field(init=False)
    start: int | None = None
    finish: int | None = None

    def __post_init__(self) -> None:
        self.remaining = self.burst

    @property
    def turnaround(self) -> int:
        return (self.finish or 0) - self.arrival

    @property
    def waiting(self) -> int:
        return self.turnaround - self.burst

    @property
    def response(self) -> int:
        return (self.start or 0) - self.arrival


Slice = tuple[int, int, str]  # start, end, job name ("idle" when none)


def fresh(jobs: list[Job]) -> list[Job]:
    return [Job(j.name, j.arrival, j.burst, j.priority) for j in sorted(jobs, key=lambda j: (j.arrival, j.name))]


def run_nonpreemptive(jobs: list[Job], key: Callable[[Job], tuple]) -> tuple[list[Job], list[Slice]]:
    jobs = fresh(jobs)
    pending = deque(jobs)
    ready: list[tuple[tuple, int, Job]] = []
    t, slices, counter = 0, [], 0
    while pending or ready:
        while pending and pending[0].arrival <= t:
            j = pending.popleft()
            heapq.heappush(ready, (key(j), counter, j))
            counter += 1
        if not ready:
            nxt = pending[0].arrival
            slices.append((t, nxt, "idle"))
            t = nxt
            continue
        _, _, j = heapq.heappop(ready)
        j.start = t
        t += j.burst
        j.finish = t
        j.remaining = 0
        slices.append((j.start, t, j.name))
    return jobs, slices


def fcfs(jobs: list[Job], _q: int) -> tuple[list[Job], list[Slice]]:
    return run_nonpreemptive(jobs, key=lambda j: (j.arrival,))


def sjf(jobs: list[Job], _q: int) -> tuple[list[Job], list[Slice]]:
    return run_nonpreemptive(jobs, key=lambda j: (j.burst, j.arrival))


def srtf(jobs: list[Job], _q: int) -> tuple[list[Job], list[Slice]]:
    jobs = fresh(jobs)
    t, slices = 0, []
    current: Job | None = None
    seg_start = 0
    while any(j.remaining for j in jobs):
        ready = [j for j in jobs if j.arrival <= t and j.remaining]
        if not ready:
            if current is not None:
                slices.append((seg_start, t, current.name))
                current = None
            nxt = min(j.arrival for j in jobs if j.remaining)
            slices.append((t, nxt, "idle"))
            t = seg_start = nxt
            continue
        best = min(ready, key=lambda j: (j.remaining, j.arrival, j.name))
        if best is not current:
            if current is not None:
                slices.append((seg_start, t, current.name))
            current, seg_start = best, t
            if best.start is None:
                best.start = t
        best.remaining -= 1
        t += 1
        if best.remaining == 0:
            best.finish = t
            slices.append((seg_start, t, best.name))
            current = None
            seg_start = t
    return jobs, slices


def round_robin(jobs: list[Job], quantum: int) -> tuple[list[Job], list[Slice]]:
    jobs = fresh(jobs)
    pending = deque(jobs)
    queue: deque[Job] = deque()
    t, slices = 0, []
    while pending or queue:
        while pending and pending[0].arrival <= t:
            queue.append(pending.popleft())
        if not queue:
            nxt = pending[0].arrival
            slices.append((t, nxt, "idle"))
            t = nxt
            continue
        j = queue.popleft()
        if j.start is None:
            j.start = t
        run = min(quantum, j.remaining)
        slices.append((t, t + run, j.name))
        t += run
        j.remaining -= run
        while pending and pending[0].arrival <= t:
            queue.append(pending.popleft())
        if j.remaining:
            queue.append(j)
        else:
            j.finish = t
    return jobs, slices


def mlfq(jobs: list[Job], quantum: int, levels: int = 3, boost_every: int = 50) -> tuple[list[Job], list[Slice]]:
    jobs = fresh(jobs)
    pending = deque(jobs)
    queues: list[deque[Job]] = [deque() for _ in range(levels)]
    level_of: dict[str, int] = {}
    t, slices, last_boost = 0, [], 0
    while pending or any(queues):
        while pending and pending[0].arrival <= t:
            j = pending.popleft()
            level_of[j.name] = 0
            queues[0].append(j)
        if t - last_boost >= boost_every:
            for q in queues[1:]:
                while q:
                    j = q.popleft()
                    level_of[j.name] = 0
                    queues[0].append(j)
            last_boost = t
        lvl = next((i for i, q in enumerate(queues) if q), None)
        if lvl is None:
            nxt = pending[0].arrival
            slices.append((t, nxt, "idle"))
            t = nxt
            continue
        j = queues[lvl].popleft()
        if j.start is None:
            j.start = t
        run = min(quantum * (2 ** lvl), j.remaining)
        slices.append((t, t + run, j.name))
        t += run
        j.remaining -= run
        while pending and pending[0].arrival <= t:
            n = pending.popleft()
            level_of[n.name] = 0
            queues[0].append(n)
        if j.remaining:
            level_of[j.name] = min(lvl + 1, levels - 1)
            queues[level_of[j.name]].append(j)
        else:
            j.finish = t
    return jobs, slices


POLICIES = {"fcfs": fcfs, "sjf": sjf, "srtf": srtf, "rr": round_robin, "mlfq": mlfq}


def merge(slices: list[Slice]) -> list[Slice]:
    out: list[Slice] = []
    for s in slices:
        if out and out[-1][2] == s[2] and out[-1][1] == s[0]:
            out[-1] = (out[-1][0], s[1], s[2])
        elif s[1] > s[0]:
            out.append(s)
    return out


def gantt(slices: list[Slice], width: int = 100) -> str:
    end = slices[-1][1] if slices else 0
    scale = max(1.0, end / width)
    bar = ""
    for s, e, name in merge(slices):
        cells = max(1, round((e - s) / scale))
        label = ("." if name == "idle" else name)[: cells]
        bar += label.ljust(cells, "." if name == "idle" else "=")
    return f"|{bar}| 0..{end}"


def generate(n: int, rng: random.Random) -> list[Job]:
    t = 0
    jobs = []
    for i in range(n):
        t += rng.randint(0, 4)
        jobs.append(Job(f"J{i + 1}", t, rng.choice([1, 2, 3, 5, 8, 13, 21]), rng.randint(0, 3)))
    return jobs


def load(path: str) -> list[Job]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [Job(r["name"], int(r["arrival"]), int(r["burst"]), int(r.get("priority") or 0))
                for r in csv.DictReader(fh)]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="CPU scheduling policy comparison")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--csv")
    src.add_argument("--generate", type=int, metavar="N")
    p.add_argument("--seed", type=int)
    p.add_argument("--quantum", type=int, default=4)
    p.add_argument("--policy", choices=sorted(POLICIES), action="append")
    p.add_argument("--gantt", action="store_true")
    args = p.parse_args(argv)

    jobs = load(args.csv) if args.csv else generate(args.generate, random.Random(args.seed))
    if any(j.burst <= 0 for j in jobs):
        p.error("every job needs a positive burst")
    print(f"{'policy':<6} {'avg wait':>9} {'avg turn':>9} {'avg resp':>9} {'max wait':>9}")
    for name in args.policy or list(POLICIES):
        done, slices = POLICIES[name](jobs, args.quantum)
        waits = [j.waiting for j in done]
        print(f"{name:<6} {statistics.fmean(waits):>9.2f} "
              f"{statistics.fmean(j.turnaround for j in done):>9.2f} "
              f"{statistics.fmean(j.response for j in done):>9.2f} {max(waits):>9}")
        if args.gantt:
            print("       " + gantt(slices))
    return 0


if __name__ == "__main__":
    sys.exit(main())
