#!/usr/bin/env python3
"""Async HTTP fetcher with a token-bucket rate limiter, per-host concurrency
limits, retries with jittered back-off and a response cache on disk.

Only hosts on the allow-list are fetched.  Used by our data team to pull a
few thousand pages from the partner's public API without tripping its rate
limit.

    async_rate_limiter.py urls.txt --rate 5 --burst 10 --out responses/
"""

from __future__ import annotations

import unittest
import argparse
import asyncio
import hashlib
import json
import logging
import random
import sys
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import aiohttp

log = logging.getLogger("fetcher")

ALLOWED_HOSTS = {"api.partner.example.com", "static.partner.example.com"}
TIMEOUT = aiohttp.ClientTimeout(total=30, connect=10)
RETRY_STATUS = {429, 500, 502, 503, 504}


class TokenBucket:
    """Classic token bucket: `rate` tokens per second, at most `burst` stored."""

    def __init__(self, rate: float, burst: int) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.capacity = burst
        self.tokens = float(burst)
        self.updated = time.monotonic()
        self.lock = asyncio.Lock()

    def _refill(self) -> None:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    async def acquire(self, cost: float = 1.0) -> None:
        async with self.lock:
            while True:
                self._refill()
                if self.tokens >= cost:
                    self.tokens -= cost
                    return
                await asyncio.sleep((cost - self.tokens) / self.rate)

    def slow_down(self, factor: float = 0.5) -> None:
        """Server said 429: halve the rate for a while."""
        self.rate = max(self.rate * factor, 0.2)
        log.warning("rate lowered to %.2f/s", self.rate)


@dataclass
class Outcome:
    url: str
    status: int | None
    cached: bool
    attempts: int
    error: str = ""


class Fetcher:
    def __init__(self, out: Path, rate: float, burst: int, per_host: int, retries: int) -> None:
        self.out = out
        self.bucket = TokenBucket(rate, burst)
        self.host_limits: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(per_host))
        self.retries = retries

    def cache_path(self, url: str) -> Path:
        digest = hashlib.sha256(url.encode("utf-8")).hexdigest()
        return self.out / digest[:2] / f"{digest}.json"

    async def fetch(self, session: aiohttp.ClientSession, url: str) -> Outcome:
        host = urllib.parse.urlsplit(url).hostname or ""
        if host not in ALLOWED_HOSTS:
            return Outcome(url, None, False, 0, f"host {host!r} not allowed")
        path = self.cache_path(url)
        if path.exists():
            return Outcome(url, json.loads(path.read_text())["status"], True, 0)
        attempt = 0
        while True:
            attempt += 1
            await self.bucket.acquire()
            try:
                async with self.host_limits[host]:
                    async with session.get(url) as resp:
                        body = await resp.text()
                        status = resp.status
                        retry_after = resp.headers.get("Retry-After")
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                if attempt > self.retries:
                    return Outcome(url, None, False, attempt, type(exc).__name__)
                await asyncio.sleep(self.backoff(attempt))
                continue
            if status in RETRY_STATUS and attempt <= self.retries:
                if status == 429:
                    self.bucket.slow_down()
                delay = float(retry_after) if retry_after and retry_after.isdigit() else self.backoff(attempt)
                log.info("%s: %d, retrying in %.1fs", url, status, delay)
                await asyncio.sleep(delay)
                continue
            if status < 400:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".tmp")
                tmp.write_text(json.dumps({"url": url, "status": status, "body": body}))
                tmp.replace(path)
            return Outcome(url, status, False, attempt)

    @staticmethod
    def backoff(attempt: int) -> float:
        return min(60.0, 2 ** attempt) * random.uniform(0.5, 1.5)

    async def run(self, urls: list[str], workers: int) -> list[Outcome]:
        queue: asyncio.Queue[str] = asyncio.Queue()
        for u in urls:
            queue.put_nowait(u)
        results: list[Outcome] = []
        headers = {"User-Agent": "partner-sync/1.1 (data-team@example.org)", "Accept": "application/json"}

        async def worker() -> None:
            while True:
                try:
                    url = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                results.append(await self.fetch(session, url))
                done = len(results)
                if done % 100 == 0:
                    log.info("%d/%d done", done, len(urls))

        async with aiohttp.ClientSession(timeout=TIMEOUT, headers=headers) as session:
            await asyncio.gather(*(worker() for _ in range(workers)))
        return results


def read_urls(path: Path) -> list[str]:
    seen = set()
    urls = []
    for line in path.read_text(encoding="utf-8").splitlines():
        u = line.strip()
        if u and not u.startswith("#") and u not in seen:
            if urllib.parse.urlsplit(u).scheme != "https":
                log.warning("skipping non-https URL %s", u)
                continue
            seen.add(u)
            urls.append(u)
    return urls


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="rate-limited async fetcher")
    p.add_argument("urls", type=Path, help="file with one URL per line")
    p.add_argument("--out", type=Path, default=Path("responses"))
    p.add_argument("--rate", type=float, default=5.0, help="requests per second")
    p.add_argument("--burst", type=int, default=10)
    p.add_argument("--per-host", type=int, default=4)
    p.add_argument("--workers", type=int, default=16)
    p.add_argument("--retries", type=int, default=4)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    urls = read_urls(args.urls)
    fetcher = Fetcher(args.out, args.rate, args.burst, args.per_host, args.retries)
    started = time.monotonic()
    results = asyncio.run(fetcher.run(urls, args.workers))
    failed = [r for r in results if r.status is None or r.status >= 400]
    cached = sum(r.cached for r in results)
    log.info("%d URLs in %.1fs: %d cached, %d failed", len(results), time.monotonic() - started,
             cached, len(failed))
    for r in failed[:20]:
        log.warning("failed %s: %s", r.url, r.error or r.status)
    return 1 if failed else 0


class BucketTests(unittest.IsolatedAsyncioTestCase):
    """python3 -m unittest async_rate_limiter"""

    async def test_burst_is_immediate(self):
        bucket = TokenBucket(rate=1, burst=5)
        started = time.monotonic()
        for _ in range(5):
            await bucket.acquire()
        self.assertLess(time.monotonic() - started, 0.1)

    async def test_rate_after_burst(self):
        bucket = TokenBucket(rate=50, burst=1)
        await bucket.acquire()
        started = time.monotonic()
        await bucket.acquire()
        self.assertGreaterEqual(time.monotonic() - started, 0.015)

    def test_slow_down_has_a_floor(self):
        bucket = TokenBucket(rate=0.3, burst=1)
        bucket.slow_down()
        self.assertEqual(bucket.rate, 0.2)

    def test_bad_parameters(self):
        with self.assertRaises(ValueError):
            TokenBucket(0, 1)

    def test_cache_path_is_stable_and_sharded(self):
        f = Fetcher(Path("out"), 1, 1, 1, 0)
        p1 = f.cache_path("https://api.partner.example.com/a")
        self.assertEqual(p1, f.cache_path("https://api.partner.example.com/a"))
        self.assertEqual(p1.parent.name, p1.stem[:2])


if __name__ == "__main__":
    sys.exit(main())
