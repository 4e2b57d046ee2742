#!/usr/bin/env python3
"""Build the weekly on-call digest e-mail from incident records and either
save it as an .eml file or send it through the local mail relay.

Incidents come from a JSON export of the incident tracker.  The message has
a plain-text part and an HTML part (values escaped), a CSV attachment, and
is sent over SMTP on localhost with STARTTLS when the relay offers it.  The
relay password, when one is needed, comes from the environment variable
ONCALL_SMTP_PASSWORD -- never from this file.

    email_digest_builder.py incidents.json --week 2024-W19 --save digest.eml
    email_digest_builder.py incidents.json --send --to oncall@example.org
"""

from __future__ import annotations

import unittest
import argparse
import csv
import datetime as dt
import html
import io
import json
import os
import smtplib
import ssl
import sys
from collections import Counter
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

SENDER = "oncall-bot@example.org"
RELAY_HOST = "localhost"
RELAY_PORT = 587
PASSWORD_ENV = "ONCALL_SMTP_PASSWORD"


@dataclass
class Incident:
    id: str
    title: str
    severity: str
    opened: dt.datetime
    resolved: dt.datetime | None
    service: str
    responder: str

    @property
    def minutes_open(self) -> float | None:
        if self.resolved is None:
            return None
        return (self.resolved - self.opened).total_seconds() / 60


def parse_time(s: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")) if s else None


def load(path: Path) -> list[Incident]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for r in raw:
        out.append(Incident(str(r["id"]), r["title"], r.get("severity", "sev3"), parse_time(r["opened"]),
                            parse_time(r.get("resolved")), r.get("service", "?"), r.get("responder", "?")))
    return out


def week_bounds(spec: str) -> tuple[dt.datetime, dt.datetime]:
    year, week = spec.split("-W")
    monday = dt.date.fromisocalendar(int(year), int(week), 1)
    start = dt.datetime.combine(monday, dt.time(), dt.timezone.utc)
    return start, start + dt.timedelta(days=7)


def summarise(incidents: list[Incident]) -> dict:
    durations = [i.minutes_open for i in incidents if i.minutes_open is not None]
    return {
        "count": len(incidents),
        "open": sum(1 for i in incidents if i.resolved is None),
        "by_severity": dict(sorted(Counter(i.severity for i in incidents).items())),
        "by_service": Counter(i.service for i in incidents).most_common(5),
        "mttr_min": round(sum(durations) / len(durations), 1) if durations else None,
        "busiest_responder": Counter(i.responder for i in incidents).most_common(1),
    }


def text_body(week: str, s: dict, incidents: list[Incident]) -> str:
    lines = [f"On-call digest for {week}", "", f"{s['count']} incident(s), {s['open']} still open"]
    if s["mttr_min"] is not None:
        lines.append(f"mean time to resolve: {s['mttr_min']} min")
    lines.append("by severity: " + ", ".join(f"{k} {v}" for k, v in s["by_severity"].items()))
    lines.append("top services: " + ", ".join(f"{k} ({v})" for k, v in s["by_service"]))
    lines.append("")
    for i in sorted(incidents, key=lambda i: (i.severity, i.opened)):
        state = "OPEN" if i.resolved is None else f"{i.minutes_open:.0f} min"
        lines.append(f"[{i.severity}] {i.id} {i.title} — {i.service}, {state}, {i.responder}")
    return "\n".join(lines) + "\n"


def html_body(week: str, s: dict, incidents: list[Incident]) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(i.severity)}</td><td>{e(i.id)}</td><td>{e(i.title)}</td><td>{e(i.service)}</td>"
        f"<td>{'open' if i.resolved is None else f'{i.minutes_open:.0f} min'}</td><td>{e(i.responder)}</td></tr>"
        for i in sorted(incidents, key=lambda i: (i.severity, i.opened)))
    return (f"<h2>On-call digest for {e(week)}</h2>"
            f"<p>{s['count']} incident(s), {s['open']} open; MTTR {s['mttr_min']} min</p>"
            f"<table border=1 cellpadding=3><tr><th>sev<th>id<th>title<th>service<th>time<th>responder</tr>"
            f"{rows}</table>")


def csv_attachment(incidents: list[Incident]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["id", "severity", "title", "service", "opened", "resolved", "responder"])
    for i in incidents:
        w.writerow([i.id, i.severity, i.title, i.service, i.opened.isoformat(),
                    i.resolved.isoformat() if i.resolved else "", i.responder])
    return buf.getvalue().encode("utf-8")


def build(week: str, incidents: list[Incident], recipients: list[str]) -> EmailMessage:
    s = summarise(incidents)
    msg = EmailMessage()
    msg["Subject"] = f"On-call digest {week}: {s['count']} incident(s)"
    msg["From"] = SENDER
    msg["To"] = ", ".join(recipients)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain="example.org")
    msg.set_content(text_body(week, s, incidents))
    msg.add_alternative(html_body(week, s, incidents), subtype="html")
    msg.add_attachment(csv_attachment(incidents), maintype="text", subtype="csv",
                       filename=f"incidents-{week}.csv")
    return msg


def send(msg: EmailMessage) -> None:
    context = ssl.create_default_context()
    with smtplib.SMTP(RELAY_HOST, RELAY_PORT, timeout=30) as smtp:
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls(context=context)
            smtp.ehlo()
        password = os.environ.get(PASSWORD_ENV)
        if password:
            smtp.login(SENDER, password)
        smtp.send_message(msg)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="weekly on-call digest")
    p.add_argument("incidents", type=Path)
    p.add_argument("--week", default=dt.date.today().strftime("%G-W%V"))
    p.add_argument("--to", action="append", default=[])
    p.add_argument("--save", type=Path, help="write the message to an .eml file")
    p.add_argument("--send", action="store_true", help="send through the local relay")
    args = p.parse_args(argv)
    start, end = week_bounds(args.week)
    incidents = [i for i in load(args.incidents) if start <= i.opened < end]
    msg = build(args.week, incidents, args.to or ["oncall@example.org"])
    if args.save:
        args.save.write_bytes(bytes(msg))
        print(f"saved {args.save}")
    if args.send:
        try:
            send(msg)
        except (OSError, smtplib.SMTPException) as exc:
            print(f"email_digest_builder: sending failed: {exc}", file=sys.stderr)
            return 1
        print(f"sent to {msg['To']}")
    if not (args.save or args.send):
        print(msg.get_body(("plain",)).get_content())
    return 0


class DigestTests(unittest.TestCase):
    """python3 -m unittest email_digest_builder"""

    def incident(self, i: int, sev: str = "sev2", resolved: bool = True) -> Incident:
        opened = dt.datetime(2024, 5, 6, 10, tzinfo=dt.timezone.utc)
        return Incident(f"INC-{i}", f"title {i} <b>", sev, opened,
                        opened + dt.timedelta(minutes=30 * i) if resolved else None, "api", "kim")

    def test_week_bounds(self):
        start, end = week_bounds("2024-W19")
        self.assertEqual(start.date(), dt.date(2024, 5, 6))
        self.assertEqual((end - start).days, 7)

    def test_summary(self):
        s = summarise([self.incident(1), self.incident(2), self.incident(3, resolved=False)])
        self.assertEqual(s["count"], 3)
        self.assertEqual(s["open"], 1)
        self.assertEqual(s["mttr_min"], 45.0)

    def test_html_is_escaped(self):
        body = html_body("2024-W19", summarise([self.incident(1)]), [self.incident(1)])
        self.assertIn("title 1 &lt;b&gt;", body)
        self.assertNotIn("<b>", body.replace("<b>Total", ""))

    def test_message_has_three_parts(self):
        msg = build("2024-W19", [self.incident(1)], ["a@example.org"])
        kinds = [part.get_content_type() for part in msg.walk()]
        self.assertIn("text/plain", kinds)
        self.assertIn("text/html", kinds)
        self.assertIn("text/csv", kinds)


if __name__ == "__main__":
    sys.exit(main())
