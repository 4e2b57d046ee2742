#!/usr/bin/env python3
"""A tiny internal link shortener (go/links) served on localhost.

    POST /api/links   {"url": "https://...", "name": "optional-alias"}
    GET  /NAME        302 redirect to the stored URL
    GET  /api/links   list (JSON)
    GET  /api/stats   top links by hits

Storage is SQLite with parameterised statements.  Short names are either the
requested alias (validated) or derived from SHA-256 of the URL in base62.
Only http(s) targets are accepted: a ``javascript:`` or ``file:`` URL is
refused, so the service cannot be used to bounce people somewhere nasty.

    link_shortener_service.py --db links.db --port 8088
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import re
import sqlite3
import threading
import time
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log = logging.getLogger("shortener")

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]{1,40}$")
RESERVED = {"api", "static", "health", "favicon.ico", "robots.txt"}
MAX_BODY = 16 * 1024

SCHEMA = """
CREATE TABLE IF NOT EXISTS links (
    name TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    created REAL NOT NULL,
    hits INTEGER NOT NULL DEFAULT 0
);
"""


def base62(n: int) -> str:
    if n == 0:
        return ALPHABET[0]
    out = []
    while n:
        n, r = divmod(n, 62)
        out.append(ALPHABET[r])
    return "".join(reversed(out))


def derive_name(url: str, length: int = 7) -> str:
    digest = hashlib.sha256(url.encode("utf-8")).digest()
    return base62(int.from_bytes(digest[:8], "big"))[:length]


def valid_target(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and len(url) <= 2048


class Store:
    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, check_same_thread=False)
        self.conn.executescript(SCHEMA)
        self.lock = threading.Lock()

    def add(self, url: str, name: str | None) -> str:
        with self.lock, self.conn:
            if name:
                existing = self.conn.execute("SELECT url FROM links WHERE name = ?", (name,)).fetchone()
                if existing and existing[0] != url:
                    raise KeyError(name)
            else:
                name = derive_name(url)
                length = 7
                while True:
                    row = self.conn.execute("SELECT url FROM links WHERE name = ?", (name,)).fetchone()
                    if row is None or row[0] == url:
                        break
                    length += 1
                    name = derive_name(url, length)
            self.conn.execute(
                "INSERT OR IGNORE INTO links (name, url, created) VALUES (?, ?, ?)",
                (name, url, time.time()),
            )
        return name

    def resolve(self, name: str) -> str | None:
        with self.lock, self.conn:
            row = self.conn.execute("SELECT url FROM links WHERE name = ?", (name,)).fetchone()
            if row:
                self.conn.execute("UPDATE links SET hits = hits + 1 WHERE name = ?", (name,))
            return row[0] if row else None

    def list(self, limit: int = 100, offset: int = 0) -> list[dict]:
        with self.lock:
            rows = self.conn.execute(
                "SELECT name, url, created, hits FROM links ORDER BY created DESC LIMIT ? OFFSET ?",
                (limit, offset),
            ).fetchall()
        return [{"name": n, "url": u, "created": c, "hits": h} for n, u, c, h in rows]

    def top(self, n: int = 10) -> list[dict]:
        with self.lock:
            rows = self.conn.execute(
                "SELECT name, hits FROM links ORDER BY hits DESC, name LIMIT ?", (n,)
            ).fetchall()
        return [{"name": name, "hits": hits} for name, hits in rows]


class Handler(BaseHTTPRequestHandler):
    store: Store
    server_version = "shortener/1.2"

    def log_message(self, fmt: str, *args) -> None:
        log.info("%s %s", self.address_string(), fmt % args)

    def send_json(self, status: int, payload: object) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(path.query)
        if path.path == "/health":
            self.send_json(200, {"ok": True})
        elif path.path == "/api/links":
            limit = min(int(query.get("limit", ["100"])[0]), 500)
            offset = int(query.get("offset", ["0"])[0])
            self.send_json(200, self.store.list(limit, offset))
        elif path.path == "/api/stats":
            self.send_json(200, self.store.top())
        else:
            name = path.path.strip("/")
            url = self.store.resolve(name) if NAME_RE.match(name) else None
            if url is None:
                self.send_json(404, {"error": f"no link named {name!r}"})
                return
            self.send_response(HTTPStatus.FOUND)
            self.send_header("Location", url)
            self.send_header("Cache-Control", "no-store")
            self.end_headers()

    def do_POST(self) -> None:
        if self.path != "/api/links":
            self.send_json(404, {"error": "not found"})
            return
        length = int(self.headers.get("Content-Length", "0"))
        if length <= 0 or length > MAX_BODY:
            self.send_json(413, {"error": "body missing or too large"})
            return
        try:
            data = json.loads(self.rfile.read(length))
            url = str(data["url"]).strip()
            name = data.get("name")
        except (ValueError, KeyError, TypeError):
            self.send_json(400, {"error": "expected JSON {url, name?}"})
            return
        if not valid_target(url):
            self.send_json(400, {"error": "only http and https URLs can be shortened"})
            return
        if name is not None and (not NAME_RE.match(str(name)) or str(name).lower() in RESERVED):
            self.send_json(400, {"error": "name: 2-41 letters, digits, - or _, not reserved"})
            return
        try:
            short = self.store.add(url, name)
        except KeyError:
            self.send_json(409, {"error": f"{name!r} already points elsewhere"})
            return
        host = self.headers.get("Host", "localhost")
        self.send_json(201, {"name": short, "short_url": f"http://{host}/{short}", "url": url})


def main() -> int:
    p = argparse.ArgumentParser(description="internal link shortener")
    p.add_argument("--db", default="links.db")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8088)
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    Handler.store = Store(args.db)
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    log.info("listening on http://%s:%d", args.host, args.port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
