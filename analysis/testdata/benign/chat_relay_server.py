#!/usr/bin/env python3
"""A tiny line-based chat relay for a LAN party, on asyncio streams.

Clients connect with ``nc 127.0.0.1 7777`` (or the bundled --client mode),
pick a nickname, and every line they send is relayed to the others.  The
server binds to 127.0.0.1 by default; to open it to the LAN the operator
passes an explicit address.  Lines are length-limited, nicknames are
validated, and a simple flood limit disconnects clients that send more than
N lines per second.  Commands: /nick NAME, /who, /me ACTION, /quit.

    chat_relay_server.py --port 7777
    chat_relay_server.py --client --port 7777 --nick ann
"""

from __future__ import annotations

import unittest
import argparse
import asyncio
import collections
import contextlib
import logging
import re
import sys
import time
from dataclasses import dataclass, field

log = logging.getLogger("relay")

NICK_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{1,15}$")
MAX_LINE = 512
FLOOD_LINES = 8
FLOOD_WINDOW = 2.0
IDLE_TIMEOUT = 600


@dataclass(eq=False)
class Client:
    writer: asyncio.StreamWriter
    nick: str = ""
    joined: float = field(default_factory=time.monotonic)
    recent: collections.deque = field(default_factory=lambda: collections.deque(maxlen=FLOOD_LINES))

    @property
    def peer(self) -> str:
        host, port = self.writer.get_extra_info("peername")[:2]
        return f"{host}:{port}"

    def flooding(self) -> bool:
        now = time.monotonic()
        self.recent.append(now)
        return len(self.recent) == FLOOD_LINES and now - self.recent[0] < FLOOD_WINDOW

    async def send(self, text: str) -> None:
        self.writer.write((text[:MAX_LINE] + "\r\n").encode("utf-8", "replace"))
        with contextlib.suppress(ConnectionError):
            await self.writer.drain()


class Relay:
    def __init__(self) -> None:
        self.clients: set[Client] = set()

    def nick_taken(self, nick: str) -> bool:
        return any(c.nick.lower() == nick.lower() for c in self.clients)

    async def broadcast(self, text: str, exclude: Client | None = None) -> None:
        for c in list(self.clients):
            if c is not exclude and c.nick:
                await c.send(text)

    async def command(self, c: Client, line: str) -> bool:
        cmd, _, arg = line.partition(" ")
        if cmd == "/quit":
            return False
        if cmd == "/who":
            names = sorted(x.nick for x in self.clients if x.nick)
            await c.send(f"* {len(names)} here: {', '.join(names)}")
        elif cmd == "/me" and arg:
            await self.broadcast(f"* {c.nick} {arg}")
        elif cmd == "/nick":
            if not NICK_RE.match(arg):
                await c.send("* nicknames: 2-16 letters, digits, _ or -, starting with a letter")
            elif self.nick_taken(arg):
                await c.send(f"* {arg} is taken")
            else:
                old, c.nick = c.nick, arg
                await self.broadcast(f"* {old} is now {arg}")
        else:
            await c.send("* commands: /nick NAME, /who, /me ACTION, /quit")
        return True

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        c = Client(writer)
        self.clients.add(c)
        log.info("connect %s", c.peer)
        try:
            await c.send("* welcome! choose a nickname:")
            while not c.nick:
                raw = await asyncio.wait_for(reader.readline(), timeout=60)
                if not raw:
                    return
                nick = raw.decode("utf-8", "replace").strip()
                if not NICK_RE.match(nick):
                    await c.send("* 2-16 letters, digits, _ or -, starting with a letter:")
                elif self.nick_taken(nick):
                    await c.send("* taken, another one:")
                else:
                    c.nick = nick
            await self.broadcast(f"* {c.nick} joined", exclude=c)
            await c.send(f"* hello {c.nick}; /who lists who is here")
            while True:
                raw = await asyncio.wait_for(reader.readline(), timeout=IDLE_TIMEOUT)
                if not raw:
                    break
                line = raw.decode("utf-8", "replace").rstrip("\r\n")[:MAX_LINE]
                line = "".join(ch for ch in line if ch.isprintable())
                if not line:
                    continue
                if c.flooding():
                    await c.send("* too many lines too fast; bye")
                    break
                if line.startswith("/"):
                    if not await self.command(c, line):
                        break
                else:
                    await self.broadcast(f"<{c.nick}> {line}", exclude=c)
        except (asyncio.TimeoutError, ConnectionError):
            pass
        finally:
            self.clients.discard(c)
            if c.nick:
                await self.broadcast(f"* {c.nick} left")
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
            log.info("disconnect %s (%s)", c.peer, c.nick or "no nick")


async def serve(host: str, port: int) -> None:
    relay = Relay()
    server = await asyncio.start_server(relay.handle, host, port, limit=MAX_LINE * 2)
    addrs = ", ".join(str(s.getsockname()) for s in server.sockets)
    log.info("relay listening on %s", addrs)
    async with server:
        await server.serve_forever()


async def client(host: str, port: int, nick: str) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"{nick}\n".encode())
    loop = asyncio.get_running_loop()

    async def show() -> None:
        while line := await reader.readline():
            print(line.decode("utf-8", "replace").rstrip())

    shower = asyncio.create_task(show())
    try:
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                break
            writer.write(line.encode())
            await writer.drain()
    finally:
        writer.close()
        shower.cancel()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="line-based chat relay")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    p.add_argument("--port", type=int, default=7777)
    p.add_argument("--client", action="store_true", help="connect as a client instead")
    p.add_argument("--nick", default="guest")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    try:
        if args.client:
            asyncio.run(client(args.host, args.port, args.nick))
        else:
            asyncio.run(serve(args.host, args.port))
    except KeyboardInterrupt:
        pass
    return 0


class FakeWriter:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, data: bytes) -> None:
        self.lines.append(data.decode().rstrip("\r\n"))

    async def drain(self) -> None:
        pass

    def get_extra_info(self, _name: str):
        return ("127.0.0.1", 50000)


class RelayTests(unittest.IsolatedAsyncioTestCase):
    """python3 -m unittest chat_relay_server"""

    async def asyncSetUp(self) -> None:
        self.relay = Relay()
        self.a = Client(FakeWriter(), nick="ann")  # type: ignore[arg-type]
        self.b = Client(FakeWriter(), nick="bob")  # type: ignore[arg-type]
        self.relay.clients |= {self.a, self.b}

    async def test_who(self):
        await self.relay.command(self.a, "/who")
        self.assertEqual(self.a.writer.lines[-1], "* 2 here: ann, bob")

    async def test_nick_change_is_announced(self):
        await self.relay.command(self.a, "/nick anna")
        self.assertEqual(self.a.nick, "anna")
        self.assertEqual(self.b.writer.lines[-1], "* ann is now anna")

    async def test_nick_rules(self):
        await self.relay.command(self.a, "/nick Bob")
        self.assertEqual(self.a.writer.lines[-1], "* Bob is taken")
        await self.relay.command(self.a, "/nick 1x")
        self.assertTrue(self.a.writer.lines[-1].startswith("* nicknames:"))

    async def test_broadcast_skips_the_sender(self):
        await self.relay.broadcast("<ann> hi", exclude=self.a)
        self.assertEqual(self.b.writer.lines, ["<ann> hi"])
        self.assertEqual(self.a.writer.lines, [])

    async def test_quit(self):
        self.assertFalse(await self.relay.command(self.a, "/quit"))

    def test_flood_limit(self):
        c = Client(FakeWriter())  # type: ignore[arg-type]
        results = [c.flooding() for _ in range(FLOOD_LINES)]
        self.assertEqual(results[-1], True)
        self.assertFalse(any(results[:-1]))


if __name__ == "__main__":
    sys.exit(main())
