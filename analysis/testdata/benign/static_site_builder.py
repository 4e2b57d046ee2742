#!/usr/bin/env python3
"""Build a small static blog from Markdown files with front matter.

    content/
        posts/2024-05-01-hello.md
        pages/about.md
    templates/
        base.html, post.html, index.html, tag.html
    static/          copied as is

Templates are Jinja2 with autoescaping on for .html files, so a title such
as ``<script>`` in front matter is shown, not run.  Markdown is rendered by
a deliberately small converter below (headings, paragraphs, lists, code,
emphasis, links); raw HTML in posts is escaped.

    static_site_builder.py build --out public
    static_site_builder.py serve --port 8001      # preview on 127.0.0.1
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import hashlib
import html
import http.server
import json
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

FRONT_RE = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
SLUG_RE = re.compile(r"[^a-z0-9]+")


@dataclass
class Page:
    source: Path
    title: str
    slug: str
    date: dt.date | None
    tags: list[str]
    body_html: str
    summary: str
    draft: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def url(self) -> str:
        if self.date:
            return f"/{self.date:%Y/%m}/{self.slug}/"
        return f"/{self.slug}/"


def parse_front_matter(text: str) -> tuple[dict, str]:
    m = FRONT_RE.match(text)
    if not m:
        return {}, text
    meta: dict = {}
    for line in m.group(1).splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"bad front matter line {line!r}")
        value = value.strip()
        if value.startswith("[") and value.endswith("]"):
            meta[key.strip()] = [v.strip().strip("'\"") for v in value[1:-1].split(",") if v.strip()]
        elif value.lower() in ("true", "false"):
            meta[key.strip()] = value.lower() == "true"
        else:
            meta[key.strip()] = value.strip("'\"")
    return meta, text[m.end():]


def inline(text: str) -> str:
    text = html.escape(text, quote=False)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", text)
    text = re.sub(r"\*([^*]+)\*", r"<em>\1</em>", text)

    def link(m: re.Match) -> str:
        label, url = m.group(1), m.group(2)
        if not re.match(r"^(https?://|/|#|mailto:)", url):
            return label  # drop javascript: and other schemes
        return f'<a href="{html.escape(url, quote=True)}">{label}</a>'

    return re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", link, text)


def markdown(text: str) -> str:
    out: list[str] = []
    para: list[str] = []
    in_list = False
    in_code = False
    code: list[str] = []

    def flush_para() -> None:
        if para:
            out.append(f"<p>{inline(' '.join(para))}</p>")
            para.clear()

    for line in text.splitlines():
        if line.startswith("```"):
            if in_code:
                out.append("<pre><code>" + html.escape("\n".join(code)) + "</code></pre>")
                code.clear()
            else:
                flush_para()
            in_code = not in_code
            continue
        if in_code:
            code.append(line)
            continue
        if m := re.match(r"^(#{1,6})\s+(.*)", line):
            flush_para()
            level = len(m.group(1))
            out.append(f"<h{level}>{inline(m.group(2))}</h{level}>")
        elif m := re.match(r"^\s*[-*]\s+(.*)", line):
            flush_para()
            if not in_list:
                out.append("<ul>")
                in_list = True
            out.append(f"<li>{inline(m.group(1))}</li>")
        elif not line.strip():
            flush_para()
            if in_list:
                out.append("</ul>")
                in_list = False
        else:
            para.append(line.strip())
    flush_para()
    if in_list:
        out.append("</ul>")
    if in_code:
        out.append("<pre><code>" + html.escape("\n".join(code)) + "</code></pre>")
    return "\n".join(out)


def slugify(s: str) -> str:
    return SLUG_RE.sub("-", s.lower()).strip("-")


def load_page(path: Path) -> Page:
    meta, body = parse_front_matter(path.read_text(encoding="utf-8"))
    date = None
    if "date" in meta:
        date = dt.date.fromisoformat(meta["date"])
    elif m := re.match(r"(\d{4}-\d{2}-\d{2})-", path.name):
        date = dt.date.fromisoformat(m.group(1))
    title = meta.get("title") or path.stem
    body_html = markdown(body)
    first = re.search(r"<p>(.*?)</p>", body_html, re.DOTALL)
    summary = re.sub(r"<[^>]+>", "", first.group(1))[:200] if first else ""
    tags = meta.get("tags", [])
    if isinstance(tags, str):
        tags = [tags]
    return Page(path, title, meta.get("slug") or slugify(re.sub(r"^\d{4}-\d{2}-\d{2}-", "", path.stem)),
                date, sorted({slugify(t) for t in tags}), body_html, summary,
                bool(meta.get("draft", False)), {k: v for k, v in meta.items() if k not in
                                                  ("title", "date", "tags", "slug", "draft")})


class Site:
    def __init__(self, root: Path, out: Path, drafts: bool) -> None:
        self.root = root
        self.out = out
        self.drafts = drafts
        self.env = Environment(
            loader=FileSystemLoader(root / "templates"),
            autoescape=select_autoescape(["html", "xml"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["date"] = lambda d, fmt="%d %b %Y": d.strftime(fmt) if d else ""

    def pages(self) -> list[Page]:
        pages = []
        for path in sorted((self.root / "content").rglob("*.md")):
            page = load_page(path)
            if page.draft and not self.drafts:
                continue
            pages.append(page)
        return pages

    def write(self, url: str, text: str) -> None:
        target = self.out / url.strip("/") / "index.html" if url.endswith("/") else self.out / url.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def build(self) -> dict:
        if self.out.exists():
            shutil.rmtree(self.out)
        static = self.root / "static"
        if static.is_dir():
            shutil.copytree(static, self.out / "static")
        else:
            self.out.mkdir(parents=True)
        pages = self.pages()
        posts = sorted((p for p in pages if p.date), key=lambda p: p.date, reverse=True)
        tags: dict[str, list[Page]] = {}
        for p in posts:
            for t in p.tags:
                tags.setdefault(t, []).append(p)
        for p in pages:
            tpl = self.env.get_template("post.html" if p.date else "page.html")
            self.write(p.url, tpl.render(page=p, site_tags=sorted(tags)))
        self.write("/", self.env.get_template("index.html").render(posts=posts, site_tags=sorted(tags)))
        for tag, tagged in tags.items():
            self.write(f"/tags/{tag}/", self.env.get_template("tag.html").render(tag=tag, posts=tagged))
        feed = [{"title": p.title, "url": p.url, "date": p.date.isoformat(), "summary": p.summary}
                for p in posts[:20]]
        self.write("/feed.json", json.dumps({"version": "https://jsonfeed.org/version/1.1",
                                             "items": feed}, indent=2))
        digest = hashlib.sha256()
        for f in sorted(self.out.rglob("*")):
            if f.is_file():
                digest.update(f.read_bytes())
        return {"pages": len(pages), "posts": len(posts), "tags": len(tags),
                "sha256": digest.hexdigest()[:16]}


def serve(directory: Path, port: int) -> None:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as httpd:
        print(f"serving {directory} on http://127.0.0.1:{port}/ (Ctrl-C to stop)")
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            print()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="static blog builder")
    p.add_argument("--root", type=Path, default=Path("."))
    p.add_argument("--out", type=Path, default=Path("public"))
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--drafts", action="store_true")
    s = sub.add_parser("serve")
    s.add_argument("--port", type=int, default=8001)
    args = p.parse_args(argv)
    out = (args.root / args.out).resolve()
    if args.root.resolve() not in out.parents:
        p.error("--out must be inside the site root")
    if args.cmd == "build":
        stats = Site(args.root, out, args.drafts).build()
        print(f"built {stats['pages']} pages ({stats['posts']} posts, {stats['tags']} tags) "
              f"into {out} [{stats['sha256']}]")
    else:
        serve(out, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
