#!/usr/bin/env python3
"""Weekly issue triage report for our GitHub repositories.

Lists open issues without a label, issues waiting on the team for more than
N days, and pull requests without a reviewer, and writes a Markdown report.
It talks only to api.github.com with a token read from GITHUB_TOKEN (a
fine-grained read-only token; never commit one -- the placeholder below is
only an example of the format).

    GITHUB_TOKEN=... github_issue_triage.py org/repo1 org/repo2 --days 7
    github_issue_triage.py org/repo --out triage.md --label-needed triage
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Iterator

import requests

log = logging.getLogger("triage")

API = "https://api.github.com"
TIMEOUT = 15
TOKEN_ENV = "GITHUB_TOKEN"
TOKEN_FORMAT_EXAMPLE = "github_pat_<82 characters>"
PER_PAGE = 100
TEAM_LABELS = {"waiting-for-team", "needs-review"}


class ApiError(RuntimeError):
    pass


@dataclass
class Issue:
    repo: str
    number: int
    title: str
    url: str
    author: str
    labels: set[str]
    created: dt.datetime
    updated: dt.datetime
    is_pr: bool
    reviewers: list[str] = field(default_factory=list)
    last_commenter: str = ""

    def age_days(self, now: dt.datetime) -> int:
        return (now - self.created).days

    def idle_days(self, now: dt.datetime) -> int:
        return (now - self.updated).days


def parse_time(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


class GitHub:
    def __init__(self, token: str | None) -> None:
        self.session = requests.Session()
        self.session.headers.update({
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "issue-triage-report",
        })
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        self.calls = 0

    def get(self, path: str, params: dict[str, Any] | None = None) -> requests.Response:
        url = path if path.startswith(API) else f"{API}{path}"
        if not url.startswith(API + "/"):
            raise ApiError(f"refusing to call {url}: only {API} is allowed")
        for attempt in range(4):
            resp = self.session.get(url, params=params, timeout=TIMEOUT)
            self.calls += 1
            if resp.status_code == 403 and resp.headers.get("X-RateLimit-Remaining") == "0":
                reset = int(resp.headers.get("X-RateLimit-Reset", time.time() + 60))
                wait = max(1, min(reset - int(time.time()), 300))
                log.warning("rate limited; sleeping %ds", wait)
                time.sleep(wait)
                continue
            if resp.status_code >= 500:
                time.sleep(2 ** attempt)
                continue
            if not resp.ok:
                raise ApiError(f"GET {url}: {resp.status_code} {resp.text[:200]}")
            return resp
        raise ApiError(f"GET {url}: giving up after retries")

    def paginate(self, path: str, params: dict[str, Any]) -> Iterator[dict]:
        params = dict(params, per_page=PER_PAGE)
        url: str | None = path
        while url:
            resp = self.get(url, params)
            yield from resp.json()
            url = resp.links.get("next", {}).get("url")
            params = None  # the next link carries them

    def open_issues(self, repo: str) -> Iterator[Issue]:
        for item in self.paginate(f"/repos/{repo}/issues", {"state": "open", "sort": "updated"}):
            yield Issue(
                repo=repo,
                number=item["number"],
                title=item["title"],
                url=item["html_url"],
                author=item["user"]["login"],
                labels={l["name"] for l in item.get("labels", [])},
                created=parse_time(item["created_at"]),
                updated=parse_time(item["updated_at"]),
                is_pr="pull_request" in item,
            )

    def reviewers(self, repo: str, number: int) -> list[str]:
        data = self.get(f"/repos/{repo}/pulls/{number}/requested_reviewers").json()
        return [u["login"] for u in data.get("users", [])] + [t["slug"] for t in data.get("teams", [])]

    def last_commenter(self, repo: str, number: int) -> str:
        comments = self.get(f"/repos/{repo}/issues/{number}/comments",
                            {"per_page": 1, "sort": "created", "direction": "desc"}).json()
        return comments[0]["user"]["login"] if comments else ""


@dataclass
class Report:
    unlabelled: list[Issue] = field(default_factory=list)
    waiting: list[Issue] = field(default_factory=list)
    no_reviewer: list[Issue] = field(default_factory=list)
    stale: list[Issue] = field(default_factory=list)
    total: int = 0


def triage(gh: GitHub, repos: list[str], days: int, team: set[str]) -> Report:
    now = dt.datetime.now(dt.timezone.utc)
    rep = Report()
    for repo in repos:
        for issue in gh.open_issues(repo):
            rep.total += 1
            if not issue.labels:
                rep.unlabelled.append(issue)
            if issue.is_pr:
                issue.reviewers = gh.reviewers(repo, issue.number)
                if not issue.reviewers:
                    rep.no_reviewer.append(issue)
            if issue.labels & TEAM_LABELS and issue.idle_days(now) >= days:
                issue.last_commenter = gh.last_commenter(repo, issue.number)
                if issue.last_commenter not in team:
                    rep.waiting.append(issue)
            if issue.idle_days(now) >= 90:
                rep.stale.append(issue)
    return rep


def markdown(rep: Report, days: int) -> str:
    now = dt.datetime.now(dt.timezone.utc)

    def table(items: list[Issue], extra: str) -> list[str]:
        if not items:
            return ["_none_", ""]
        rows = [f"| issue | title | age | {extra} |", "|---|---|---|---|"]
        for i in sorted(items, key=lambda i: i.created):
            title = i.title.replace("|", "\\|")[:80]
            info = {
                "idle": f"{i.idle_days(now)}d",
                "author": i.author,
                "last comment": i.last_commenter or "-",
            }[extra]
            rows.append(f"| [{i.repo}#{i.number}]({i.url}) | {title} | {i.age_days(now)}d | {info} |")
        return rows + [""]

    out = [f"# Triage report {now:%Y-%m-%d}", "", f"{rep.total} open issues and pull requests.", ""]
    out += ["## Unlabelled", ""] + table(rep.unlabelled, "author")
    out += [f"## Waiting on the team for {days}+ days", ""] + table(rep.waiting, "last comment")
    out += ["## Pull requests without a reviewer", ""] + table([i for i in rep.no_reviewer], "author")
    out += ["## Stale (90+ days idle)", ""] + table(rep.stale, "idle")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="GitHub triage report")
    p.add_argument("repos", nargs="+", help="owner/name")
    p.add_argument("--days", type=int, default=7)
    p.add_argument("--team", default="", help="comma-separated logins of the team")
    p.add_argument("--out", help="write the Markdown report here")
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s %(message)s")
    token = os.environ.get(TOKEN_ENV)
    if not token:
        log.warning("%s not set: unauthenticated requests are limited to 60/hour "
                    "(a token looks like %s)", TOKEN_ENV, TOKEN_FORMAT_EXAMPLE)
    bad = [r for r in args.repos if r.count("/") != 1]
    if bad:
        p.error(f"repositories are owner/name: {', '.join(bad)}")
    gh = GitHub(token)
    try:
        rep = triage(gh, args.repos, args.days, {t for t in args.team.split(",") if t})
    except (ApiError, requests.RequestException) as exc:
        print(f"triage: {exc}", file=sys.stderr)
        return 1
    text = markdown(rep, args.days)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
        log.info("wrote %s (%d API calls)", args.out, gh.calls)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
