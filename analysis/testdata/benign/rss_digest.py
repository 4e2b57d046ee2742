#!/usr/bin/env python3
"""Build a daily digest of a few RSS/Atom feeds as a Markdown file.

Feeds come from a short, reviewed list below; the digest keeps items
published since the last run (state in ``digest_state.json``) and groups
them by feed.  Feed XML is parsed with ``defusedxml`` when installed, which
refuses entity-expansion tricks, and otherwise with the standard parser on
documents capped in size.

    rss_digest.py --out digest-$(date +%F).md
    rss_digest.py --since 2024-05-01 --max-per-feed 5
"""

from __future__ import annotations

import unittest
import argparse
import datetime as dt
import email.utils
import html
import json
import logging
import re
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

try:
    from defusedxml import ElementTree as ET  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - fallback for minimal installs
    import xml.etree.ElementTree as ET

log = logging.getLogger("rss_digest")

FEEDS = {
    "Python Insider": "https://blog.python.org/feeds/posts/default?alt=rss",
    "LWN headlines": "https://lwn.net/headlines/rss",
    "PyPI recent updates": "https://pypi.org/rss/updates.xml",
}
MAX_BYTES = 2 * 1024 * 1024
TIMEOUT = 20
STATE = Path(__file__).resolve().with_name("digest_state.json")
ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass
class Item:
    feed: str
    title: str
    link: str
    published: dt.datetime | None
    summary: str


def fetch(url: str) -> bytes:
    req = urllib.request.Request(url, headers={"User-Agent": "rss-digest/0.9 (+ops@example.org)"})
    with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
        data = resp.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValueError(f"{url}: feed larger than {MAX_BYTES} bytes")
    return data


def parse_date(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    text = text.strip()
    try:
        return email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        pass
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def strip_tags(text: str, limit: int = 280) -> str:
    plain = html.unescape(re.sub(r"<[^>]+>", " ", text or ""))
    plain = " ".join(plain.split())
    return plain if len(plain) <= limit else plain[: limit - 1].rsplit(" ", 1)[0] + "…"


def parse_feed(name: str, data: bytes) -> list[Item]:
    root = ET.fromstring(data)
    items: list[Item] = []
    if root.tag == f"{ATOM}feed":
        for entry in root.findall(f"{ATOM}entry"):
            link_el = entry.find(f"{ATOM}link[@rel='alternate']") or entry.find(f"{ATOM}link")
            items.append(Item(
                feed=name,
                title=(entry.findtext(f"{ATOM}title") or "").strip(),
                link=link_el.get("href", "") if link_el is not None else "",
                published=parse_date(entry.findtext(f"{ATOM}published") or entry.findtext(f"{ATOM}updated")),
                summary=strip_tags(entry.findtext(f"{ATOM}summary") or entry.findtext(f"{ATOM}content") or ""),
            ))
    else:
        for it in root.iter("item"):
            items.append(Item(
                feed=name,
                title=(it.findtext("title") or "").strip(),
                link=(it.findtext("link") or "").strip(),
                published=parse_date(it.findtext("pubDate")),
                summary=strip_tags(it.findtext("description") or ""),
            ))
    return items


def load_state() -> dict:
    if STATE.exists():
        return json.loads(STATE.read_text(encoding="utf-8"))
    return {}


def save_state(state: dict) -> None:
    tmp = STATE.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2, sort_keys=True), encoding="utf-8")
    tmp.replace(STATE)


def safe_link(url: str) -> str:
    return url if url.startswith(("https://", "http://")) else ""


def render(items_by_feed: dict[str, list[Item]], since: dt.datetime) -> str:
    out = [f"# Digest since {since:%Y-%m-%d %H:%M} UTC", ""]
    total = 0
    for feed, items in items_by_feed.items():
        if not items:
            continue
        out += [f"## {feed}", ""]
        for it in items:
            title = it.title.replace("[", "(").replace("]", ")") or "(untitled)"
            link = safe_link(it.link)
            when = f" — {it.published:%d %b %H:%M}" if it.published else ""
            out.append(f"- [{title}]({link}){when}" if link else f"- {title}{when}")
            if it.summary:
                out.append(f"  > {it.summary}")
            total += 1
        out.append("")
    if total == 0:
        out.append("_Nothing new._")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Markdown digest of a few feeds")
    p.add_argument("--out", type=Path, help="write here instead of stdout")
    p.add_argument("--since", help="ISO date; default: last run (or 24h ago)")
    p.add_argument("--max-per-feed", type=int, default=10)
    p.add_argument("--no-state", action="store_true", help="do not remember this run")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")

    now = dt.datetime.now(dt.timezone.utc)
    state = load_state()
    if args.since:
        since = dt.datetime.fromisoformat(args.since).replace(tzinfo=dt.timezone.utc)
    elif "last_run" in state:
        since = dt.datetime.fromisoformat(state["last_run"])
    else:
        since = now - dt.timedelta(days=1)

    by_feed: dict[str, list[Item]] = {}
    failures = 0
    for name, url in FEEDS.items():
        try:
            items = parse_feed(name, fetch(url))
        except (urllib.error.URLError, ValueError, ET.ParseError, TimeoutError) as exc:
            log.warning("%s: %s", name, exc)
            failures += 1
            continue
        fresh = [i for i in items if i.published is None or i.published >= since]
        fresh.sort(key=lambda i: i.published or now, reverse=True)
        by_feed[name] = fresh[: args.max_per_feed]
        log.info("%s: %d new of %d", name, len(by_feed[name]), len(items))

    text = render(by_feed, since)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    if not args.no_state and failures < len(FEEDS):
        state["last_run"] = now.isoformat()
        save_state(state)
    return 1 if failures == len(FEEDS) else 0


RSS_SAMPLE = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>First &amp; best</title><link>https://example.org/1</link>
<pubDate>Mon, 06 May 2024 10:00:00 +0000</pubDate><description>&lt;p&gt;Hello &lt;b&gt;world&lt;/b&gt;&lt;/p&gt;</description></item>
<item><title>Second</title><link>javascript:alert(1)</link></item>
</channel></rss>"""


class FeedTests(unittest.TestCase):
    """python3 -m unittest rss_digest"""

    def test_rss_items(self):
        items = parse_feed("demo", RSS_SAMPLE)
        self.assertEqual([i.title for i in items], ["First & best", "Second"])
        self.assertEqual(items[0].summary, "Hello world")
        self.assertEqual(items[0].published.year, 2024)

    def test_unsafe_links_are_dropped(self):
        items = parse_feed("demo", RSS_SAMPLE)
        text = render({"demo": items}, dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc))
        self.assertIn("[First & best](https://example.org/1)", text)
        self.assertNotIn("javascript:", text)

    def test_dates(self):
        self.assertIsNotNone(parse_date("2024-05-06T10:00:00Z"))
        self.assertIsNone(parse_date("yesterday"))

    def test_strip_tags_truncates_on_a_word(self):
        out = strip_tags("<p>" + "word " * 100 + "</p>", limit=20)
        self.assertTrue(out.endswith("…"))
        self.assertLessEqual(len(out), 20)


if __name__ == "__main__":
    sys.exit(main())
