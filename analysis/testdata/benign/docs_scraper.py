#!/usr/bin/env python3
"""Crawl our documentation site and report broken links and missing titles.

Only hosts on ALLOWED_HOSTS are fetched; links elsewhere are recorded but
never followed.  Every request has a timeout and a descriptive User-Agent,
and the crawler waits between requests so it never hammers the server.

    docs_scraper.py https://docs.example.org/ --max-pages 200 --out report.json
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
import sys
import time
import urllib.parse
import urllib.robotparser
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser

import requests

log = logging.getLogger("docs_scraper")

ALLOWED_HOSTS = frozenset({"docs.example.org", "www.example.org"})
USER_AGENT = "example-docs-linkcheck/1.4 (+https://www.example.org/bots)"
TIMEOUT = (5, 20)  # connect, read
SKIP_SCHEMES = ("mailto:", "javascript:", "tel:", "data:")


class LinkParser(HTMLParser):
    """Collect hrefs, the <title> and h1 headings of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.title = ""
        self.headings: list[str] = []
        self._in_title = False
        self._in_h1 = False
        self._h1_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "link" and attrs.get("rel") == "canonical" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "title":
            self._in_title = True
        elif tag == "h1":
            self._in_h1 = True
            self._h1_text = []

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        elif tag == "h1" and self._in_h1:
            self._in_h1 = False
            self.headings.append("".join(self._h1_text).strip())

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if self._in_h1:
            self._h1_text.append(data)


@dataclass
class PageResult:
    url: str
    status: int | None
    title: str = ""
    h1_count: int = 0
    elapsed_ms: int = 0
    error: str = ""
    outgoing: list[str] = field(default_factory=list)


def normalise(base: str, href: str) -> str | None:
    href = href.strip()
    if not href or href.startswith("#") or href.lower().startswith(SKIP_SCHEMES):
        return None
    url = urllib.parse.urljoin(base, href)
    url, _frag = urllib.parse.urldefrag(url)
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return None
    path = parts.path or "/"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc.lower(), path, parts.query, ""))


def allowed(url: str) -> bool:
    host = urllib.parse.urlsplit(url).hostname or ""
    return host in ALLOWED_HOSTS


class Crawler:
    def __init__(self, start: str, max_pages: int, delay: float) -> None:
        if not allowed(start):
            raise ValueError(f"{start} is not on the allow-list {sorted(ALLOWED_HOSTS)}")
        self.start = start
        self.max_pages = max_pages
        self.delay = delay
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.robots: dict[str, urllib.robotparser.RobotFileParser] = {}
        self.results: dict[str, PageResult] = {}
        self.external: collections.Counter[str] = collections.Counter()
        self.referrers: dict[str, set[str]] = collections.defaultdict(set)

    def robots_for(self, url: str) -> urllib.robotparser.RobotFileParser:
        parts = urllib.parse.urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        if key not in self.robots:
            rp = urllib.robotparser.RobotFileParser()
            try:
                resp = self.session.get(key + "/robots.txt", timeout=TIMEOUT)
                rp.parse(resp.text.splitlines() if resp.ok else [])
            except requests.RequestException as exc:
                log.warning("robots.txt for %s unavailable: %s", key, exc)
                rp.parse([])
            self.robots[key] = rp
        return self.robots[key]

    def fetch(self, url: str) -> PageResult:
        started = time.monotonic()
        try:
            resp = self.session.get(url, timeout=TIMEOUT, allow_redirects=True)
        except requests.RequestException as exc:
            return PageResult(url, None, error=type(exc).__name__)
        result = PageResult(url, resp.status_code,
                            elapsed_ms=int((time.monotonic() - started) * 1000))
        ctype = resp.headers.get("Content-Type", "")
        if resp.ok and ctype.startswith("text/html"):
            parser = LinkParser()
            parser.feed(resp.text)
            result.title = parser.title.strip()
            result.h1_count = len(parser.headings)
            for href in parser.links:
                target = normalise(resp.url, href)
                if target:
                    result.outgoing.append(target)
        return result

    def crawl(self) -> None:
        queue = collections.deque([self.start])
        seen = {self.start}
        while queue and len(self.results) < self.max_pages:
            url = queue.popleft()
            if not self.robots_for(url).can_fetch(USER_AGENT, url):
                log.info("robots.txt disallows %s", url)
                continue
            log.debug("GET %s", url)
            result = self.fetch(url)
            self.results[url] = result
            for target in result.outgoing:
                self.referrers[target].add(url)
                if not allowed(target):
                    self.external[urllib.parse.urlsplit(target).netloc] += 1
                    continue
                if target not in seen:
                    seen.add(target)
                    queue.append(target)
            time.sleep(self.delay)

    def problems(self) -> dict[str, list]:
        broken = []
        for url, r in sorted(self.results.items()):
            if r.status is None or r.status >= 400:
                broken.append({
                    "url": url,
                    "status": r.status,
                    "error": r.error,
                    "linked_from": sorted(self.referrers.get(url, ()))[:10],
                })
        untitled = [u for u, r in self.results.items() if r.status == 200 and not r.title]
        multi_h1 = [u for u, r in self.results.items() if r.h1_count > 1]
        slow = sorted(((r.elapsed_ms, u) for u, r in self.results.items()), reverse=True)[:10]
        return {
            "broken": broken,
            "untitled": sorted(untitled),
            "multiple_h1": sorted(multi_h1),
            "slowest": [{"url": u, "ms": ms} for ms, u in slow],
            "external_hosts": self.external.most_common(25),
        }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="link checker for the docs site")
    p.add_argument("start", help="first URL (must be on the allow-list)")
    p.add_argument("--max-pages", type=int, default=100)
    p.add_argument("--delay", type=float, default=0.5, help="seconds between requests")
    p.add_argument("--out", help="write the JSON report here instead of stdout")
    p.add_argument("--pages", action="store_true", help="include every page in the report")
    p.add_argument("-v", "--verbose", action="count", default=0)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING - 10 * min(args.verbose, 2),
                        format="%(levelname)s %(message)s")
    try:
        crawler = Crawler(args.start, args.max_pages, args.delay)
    except ValueError as exc:
        print(f"docs_scraper: {exc}", file=sys.stderr)
        return 2
    try:
        crawler.crawl()
    except KeyboardInterrupt:
        log.warning("interrupted; reporting what was crawled so far")
    report = {"start": args.start, "pages": len(crawler.results), **crawler.problems()}
    if args.pages:
        report["all_pages"] = [asdict(r) for r in crawler.results.values()]
    text = json.dumps(report, indent=2)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    else:
        print(text)
    return 1 if report["broken"] else 0


if __name__ == "__main__":
    sys.exit(main())
