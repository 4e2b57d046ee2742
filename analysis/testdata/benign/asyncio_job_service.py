#!/usr/bin/env python3
"""A small asyncio job service: a bounded queue, N workers, retries with
back-off, graceful shutdown on SIGINT/SIGTERM, and a status endpoint on
localhost.

Jobs are JSON lines read from a spool file; each names a *kind* that maps to
an async handler registered below.  There is no way to name an arbitrary
function: unknown kinds are rejected.  (An earlier draft looked handlers up
with getattr on a module; the explicit registry replaced it.)

    asyncio_job_service.py --spool jobs.jsonl --workers 4 --status-port 8765
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import hashlib
import json
import logging
import random
import signal
import time
from pathlib import Path
from typing import Awaitable, Callable

log = logging.getLogger("jobs")

Handler = Callable[[dict], Awaitable[dict]]
HANDLERS: dict[str, Handler] = {}


def handler(kind: str):
    def register(fn: Handler) -> Handler:
        if kind in HANDLERS:
            raise ValueError(f"duplicate handler for {kind}")
        HANDLERS[kind] = fn
        return fn
    return register


class RetryableError(Exception):
    """The job may succeed if tried again later."""


@dataclasses.dataclass
class Job:
    id: str
    kind: str
    payload: dict
    attempts: int = 0
    max_attempts: int = 3
    created: float = dataclasses.field(default_factory=time.time)

    @classmethod
    def from_line(cls, line: str) -> "Job":
        data = json.loads(line)
        if not isinstance(data, dict) or "kind" not in data:
            raise ValueError("a job is an object with a 'kind'")
        payload = data.get("payload", {})
        ident = data.get("id") or hashlib.sha256(line.encode()).hexdigest()[:12]
        return cls(id=str(ident), kind=str(data["kind"]), payload=payload,
                   max_attempts=int(data.get("max_attempts", 3)))


@handler("checksum")
async def checksum_job(payload: dict) -> dict:
    text = str(payload.get("text", ""))
    await asyncio.sleep(0)
    return {"sha256": hashlib.sha256(text.encode()).hexdigest()}


@handler("sleep")
async def sleep_job(payload: dict) -> dict:
    seconds = min(float(payload.get("seconds", 1)), 30.0)
    await asyncio.sleep(seconds)
    return {"slept": seconds}


@handler("flaky")
async def flaky_job(payload: dict) -> dict:
    """Fails now and then so the retry path gets exercised in staging."""
    await asyncio.sleep(0.05)
    if random.random() < float(payload.get("failure_rate", 0.3)):
        raise RetryableError("simulated transient failure")
    return {"ok": True}


@handler("wordcount")
async def wordcount_job(payload: dict) -> dict:
    path = Path(payload["path"])
    text = await asyncio.to_thread(path.read_text, encoding="utf-8")
    return {"words": len(text.split()), "lines": text.count("\n")}


@dataclasses.dataclass
class Stats:
    queued: int = 0
    done: int = 0
    failed: int = 0
    retried: int = 0
    rejected: int = 0
    busy: int = 0
    started: float = dataclasses.field(default_factory=time.time)

    def as_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["uptime_s"] = round(time.time() - self.started, 1)
        return d


class Service:
    def __init__(self, workers: int, queue_size: int, results: Path) -> None:
        self.queue: asyncio.Queue[Job] = asyncio.Queue(maxsize=queue_size)
        self.workers = workers
        self.results = results
        self.stats = Stats()
        self.stopping = asyncio.Event()
        self._write_lock = asyncio.Lock()

    async def submit(self, job: Job) -> None:
        if job.kind not in HANDLERS:
            self.stats.rejected += 1
            log.warning("job %s: unknown kind %r rejected", job.id, job.kind)
            return
        await self.queue.put(job)
        self.stats.queued += 1

    async def record(self, job: Job, status: str, result: dict | None, error: str = "") -> None:
        line = json.dumps({"id": job.id, "kind": job.kind, "status": status,
                           "attempts": job.attempts, "result": result, "error": error,
                           "at": time.time()})
        async with self._write_lock:
            await asyncio.to_thread(self._append, line)

    def _append(self, line: str) -> None:
        with self.results.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")

    async def worker(self, n: int) -> None:
        while True:
            job = await self.queue.get()
            self.stats.busy += 1
            try:
                await self.run_one(job)
            finally:
                self.stats.busy -= 1
                self.queue.task_done()

    async def run_one(self, job: Job) -> None:
        fn = HANDLERS[job.kind]
        job.attempts += 1
        try:
            result = await asyncio.wait_for(fn(job.payload), timeout=60)
        except RetryableError as exc:
            if job.attempts < job.max_attempts:
                delay = min(2 ** job.attempts + random.uniform(0, 1), 30)
                self.stats.retried += 1
                log.info("job %s: %s; retry %d in %.1fs", job.id, exc, job.attempts, delay)
                asyncio.get_running_loop().call_later(delay, self.queue.put_nowait, job)
                return
            self.stats.failed += 1
            await self.record(job, "failed", None, str(exc))
        except (asyncio.TimeoutError, KeyError, ValueError, OSError) as exc:
            self.stats.failed += 1
            await self.record(job, "failed", None, f"{type(exc).__name__}: {exc}")
        else:
            self.stats.done += 1
            await self.record(job, "done", result)

    async def feed(self, spool: Path) -> None:
        with spool.open(encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if self.stopping.is_set():
                    break
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                try:
                    await self.submit(Job.from_line(line))
                except (ValueError, json.JSONDecodeError) as exc:
                    self.stats.rejected += 1
                    log.warning("%s:%d: %s", spool, lineno, exc)

    async def status_server(self, port: int) -> asyncio.AbstractServer:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            with contextlib.suppress(asyncio.TimeoutError, ConnectionError):
                await asyncio.wait_for(reader.readline(), timeout=5)
                body = json.dumps(self.stats.as_dict()).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
                writer.write(f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode())
                writer.write(body)
                await writer.drain()
            writer.close()

        return await asyncio.start_server(handle, host="127.0.0.1", port=port)

    async def run(self, spool: Path, status_port: int | None) -> Stats:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, self.stopping.set)
        server = await self.status_server(status_port) if status_port else None
        tasks = [asyncio.create_task(self.worker(i), name=f"worker-{i}") for i in range(self.workers)]
        feeder = asyncio.create_task(self.feed(spool))
        done_waiting = asyncio.create_task(self._drain(feeder))
        stop_waiting = asyncio.create_task(self.stopping.wait())
        await asyncio.wait({done_waiting, stop_waiting}, return_when=asyncio.FIRST_COMPLETED)
        for t in (feeder, done_waiting, stop_waiting, *tasks):
            t.cancel()
        await asyncio.gather(feeder, done_waiting, stop_waiting, *tasks, return_exceptions=True)
        if server:
            server.close()
            await server.wait_closed()
        return self.stats

    async def _drain(self, feeder: asyncio.Task) -> None:
        await feeder
        await self.queue.join()
        # Give retries scheduled with call_later a chance to land.
        while self.stats.done + self.stats.failed < self.stats.queued:
            await asyncio.sleep(0.2)
            await self.queue.join()


def main() -> int:
    p = argparse.ArgumentParser(description="asyncio job runner")
    p.add_argument("--spool", type=Path, required=True, help="JSON-lines job file")
    p.add_argument("--results", type=Path, default=Path("results.jsonl"))
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--queue-size", type=int, default=100)
    p.add_argument("--status-port", type=int, help="serve stats on 127.0.0.1:PORT")
    p.add_argument("--seed", type=int, help="seed the simulated failures")
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if args.seed is not None:
        random.seed(args.seed)
    service = Service(args.workers, args.queue_size, args.results)
    stats = asyncio.run(service.run(args.spool, args.status_port))
    log.info("finished: %s", json.dumps(stats.as_dict()))
    return 0 if stats.failed == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
