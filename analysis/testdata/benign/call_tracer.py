#!/usr/bin/env python3
"""Lightweight call tracing and timing decorators for debugging slow code.

* ``@traced`` logs entry/exit with the arguments bound to parameter names
  (using ``inspect.signature``), the caller's function and line, and the
  elapsed time.
* ``@memoize`` caches results keyed on the bound arguments.
* ``profile_block`` is a context manager that reports the slowest calls seen
  inside it.

The caller is found with ``inspect.currentframe().f_back`` -- only its name
and line number are read, for the log line.  Run the module to see a demo:

    call_tracer.py --demo
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import inspect
import logging
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("trace")

_local = threading.local()


@dataclass
class CallStats:
    calls: int = 0
    total: float = 0.0
    worst: float = 0.0
    errors: int = 0

    def add(self, elapsed: float, failed: bool) -> None:
        self.calls += 1
        self.total += elapsed
        self.worst = max(self.worst, elapsed)
        self.errors += failed


@dataclass
class Recorder:
    stats: dict[str, CallStats] = field(default_factory=lambda: defaultdict(CallStats))

    def report(self, top: int = 10) -> str:
        rows = sorted(self.stats.items(), key=lambda kv: kv[1].total, reverse=True)[:top]
        lines = [f"{'function':<40} {'calls':>6} {'total ms':>10} {'worst ms':>10} {'errors':>6}"]
        for name, s in rows:
            lines.append(f"{name:<40} {s.calls:>6} {s.total * 1000:>10.2f} {s.worst * 1000:>10.2f} {s.errors:>6}")
        return "\n".join(lines)


def _recorders() -> list[Recorder]:
    if not hasattr(_local, "recorders"):
        _local.recorders = []
    return _local.recorders


def caller_location(depth: int = 2) -> str:
    """Name and line of the function `depth` frames up (for log lines only)."""
    frame = inspect.currentframe()
    try:
        for _ in range(depth):
            if frame is None:
                return "?"
            frame = frame.f_back
        if frame is None:
            return "?"
        return f"{frame.f_code.co_name}:{frame.f_lineno}"
    finally:
        del frame  # break the reference cycle frames create


def short_repr(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe_call(fn: Callable, args: tuple, kwargs: dict) -> str:
    try:
        bound = inspect.signature(fn).bind_partial(*args, **kwargs)
    except TypeError:
        return ", ".join([*map(short_repr, args), *(f"{k}={short_repr(v)}" for k, v in kwargs.items())])
    return ", ".join(f"{k}={short_repr(v)}" for k, v in bound.arguments.items() if k != "self")


def traced(fn: F | None = None, *, level: int = logging.DEBUG, show_result: bool = True):
    def wrap(func: F) -> F:
        qual = f"{func.__module__}.{func.__qualname__}"

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            where = caller_location()
            log.log(level, "→ %s(%s) from %s", qual, describe_call(func, args, kwargs), where)
            started = time.perf_counter()
            failed = False
            try:
                result = func(*args, **kwargs)
            except Exception as exc:
                failed = True
                log.log(level, "✗ %s raised %s: %s", qual, type(exc).__name__, exc)
                raise
            finally:
                elapsed = time.perf_counter() - started
                for rec in _recorders():
                    rec.stats[qual].add(elapsed, failed)
            if show_result:
                log.log(level, "← %s = %s (%.2f ms)", qual, short_repr(result), elapsed * 1000)
            return result

        return wrapper  # type: ignore[return-value]

    return wrap(fn) if fn is not None else wrap


def memoize(fn: F) -> F:
    sig = inspect.signature(fn)
    cache: dict[tuple, Any] = {}
    lock = threading.Lock()

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        bound = sig.bind(*args, **kwargs)
        bound.apply_defaults()
        key = tuple(sorted(bound.arguments.items()))
        with lock:
            if key in cache:
                return cache[key]
        value = fn(*args, **kwargs)
        with lock:
            cache[key] = value
        return value

    wrapper.cache = cache  # type: ignore[attr-defined]
    wrapper.cache_clear = cache.clear  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


@contextlib.contextmanager
def profile_block(name: str = "block", top: int = 10) -> Iterator[Recorder]:
    rec = Recorder()
    _recorders().append(rec)
    started = time.perf_counter()
    try:
        yield rec
    finally:
        _recorders().remove(rec)
        log.info("%s took %.1f ms\n%s", name, (time.perf_counter() - started) * 1000, rec.report(top))


def parameter_names(fn: Callable) -> list[str]:
    """Parameter names of fn, the supported way (not via __code__.co_varnames)."""
    return list(inspect.signature(fn).parameters)


# --- demo ---------------------------------------------------------------------

@traced
def parse_record(line: str, sep: str = ",") -> list[str]:
    return [f.strip() for f in line.split(sep)]


@memoize
@traced(show_result=False)
def fib(n: int) -> int:
    return n if n < 2 else fib(n - 1) + fib(n - 2)


class Inventory:
    @traced
    def lookup(self, sku: str) -> int:
        time.sleep(0.002)
        if sku.startswith("X"):
            raise KeyError(sku)
        return len(sku)


def demo() -> None:
    with profile_block("demo"):
        parse_record("a, b ,c")
        fib(20)
        inv = Inventory()
        for sku in ("A1", "B22", "X9"):
            try:
                inv.lookup(sku)
            except KeyError:
                pass
    print("parameters of parse_record:", parameter_names(parse_record))
    print("fib cache size:", len(fib.cache))  # type: ignore[attr-defined]


def main() -> int:
    p = argparse.ArgumentParser(description="tracing decorators (run --demo)")
    p.add_argument("--demo", action="store_true")
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname).1s %(message)s")
    if args.demo:
        demo()
    else:
        p.print_help()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
