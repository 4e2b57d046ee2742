"""AsyncClient: the twins of :class:`cordon.Client`'s methods for asyncio.

The standard library has no asynchronous HTTP client, so each call runs
the blocking client in a worker thread (``asyncio.to_thread``); an event
stream is read in one thread and handed to the event loop event by event,
so the loop never blocks on the network."""

from __future__ import annotations

import asyncio
import threading
from typing import Any, AsyncIterator, Iterator, Mapping, Sequence

from .client import Client, Event, FileSpec, Result

__all__ = ["AsyncClient"]

_END = object()


class AsyncClient:
    """``AsyncClient(url, token)``: ``await client.run(...)``, ``async for
    ev in client.stream(...)``, and the rest as :class:`cordon.Client`."""

    def __init__(self, url: str, token: str, **kwargs: Any):
        self.sync = Client(url, token, **kwargs)

    async def run(self, source: str | None = None, path: str | None = None, files: FileSpec | None = None, args: Sequence[str] = (),
                  stdin: str | bytes | None = None, env: Mapping[str, str] | None = None, policy: Mapping[str, Any] | None = None,
                  outputs: Sequence[str] | None = None, timeout: float | None = None, **kwargs: Any) -> Result:
        return await asyncio.to_thread(self.sync.run, source, path, files, args, stdin, env, policy, outputs, timeout, **kwargs)

    async def check(self, source: str | None = None, path: str | None = None, files: FileSpec | None = None,
                    fail_on: str | None = None, **kwargs: Any) -> dict[str, Any]:
        return await asyncio.to_thread(self.sync.check, source, path, files, fail_on, **kwargs)

    async def get(self, run_id: str) -> Result:
        return await asyncio.to_thread(self.sync.get, run_id)

    async def cancel(self, run_id: str) -> Result:
        return await asyncio.to_thread(self.sync.cancel, run_id)

    async def wait(self, run_id: str) -> Result:
        return await asyncio.to_thread(self.sync.wait, run_id)

    async def output(self, run_id: str, path: str) -> bytes:
        return await asyncio.to_thread(self.sync.output, run_id, path)

    async def policy(self, name: str | None = None) -> dict[str, Any]:
        return await asyncio.to_thread(self.sync.policy, name)

    async def checkpoint(self) -> str:
        return await asyncio.to_thread(self.sync.checkpoint)

    async def stream(self, source: str | None = None, path: str | None = None, files: FileSpec | None = None, args: Sequence[str] = (),
                     stdin: str | bytes | None = None, env: Mapping[str, str] | None = None, policy: Mapping[str, Any] | None = None,
                     outputs: Sequence[str] | None = None, timeout: float | None = None, **kwargs: Any) -> AsyncIterator[Event]:
        r = await self.run(source, path, files, args, stdin, env, policy, outputs, timeout, wait=False, **kwargs)
        async for ev in self.events(r.id):
            yield ev

    async def events(self, run_id: str) -> AsyncIterator[Event]:
        async for ev in _threaded(lambda: self.sync.events(run_id)):
            yield ev


async def _threaded(make: Any) -> AsyncIterator[Any]:
    """Iterate a blocking iterator in a thread, yielding on the loop."""
    loop = asyncio.get_running_loop()
    q: asyncio.Queue[Any] = asyncio.Queue()
    stop = threading.Event()

    def pump() -> None:
        try:
            it: Iterator[Any] = make()
            for item in it:
                loop.call_soon_threadsafe(q.put_nowait, item)
                if stop.is_set():
                    break
            loop.call_soon_threadsafe(q.put_nowait, _END)
        except BaseException as e:  # handed to the consumer
            loop.call_soon_threadsafe(q.put_nowait, e)

    t = threading.Thread(target=pump, daemon=True)
    t.start()
    try:
        while True:
            item = await q.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
