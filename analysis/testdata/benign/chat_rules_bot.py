#!/usr/bin/env python3
"""A rule-based help-desk chat bot for the office IT team, run in a terminal
or fed a transcript for regression tests.

Intents are matched with weighted keyword patterns; each intent has
answers, follow-up questions and slots (printer name, ticket number...).
Unknown questions are logged to ``unanswered.jsonl`` so the team can add
rules.  The bot gives instructions; it never runs anything on the user's
machine.  Several answers *mention* commands (for example "run
``ipconfig /flushdns``") -- those are text for the user to read.

    chat_rules_bot.py                       # interactive
    chat_rules_bot.py --transcript tests/chat_cases.txt
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

UNANSWERED = Path(__file__).resolve().with_name("unanswered.jsonl")


@dataclass
class Intent:
    name: str
    patterns: dict[str, float]
    answers: list[str]
    slot: str | None = None
    slot_re: str | None = None
    follow_up: str | None = None
    handler: Callable[["Conversation", dict[str, str]], str] | None = None

    def score(self, text: str) -> float:
        return sum(w for p, w in self.patterns.items() if re.search(p, text))


@dataclass
class Conversation:
    user: str = "there"
    pending: Intent | None = None
    slots: dict[str, str] = field(default_factory=dict)
    history: list[tuple[str, str]] = field(default_factory=list)
    rng: random.Random = field(default_factory=random.Random)


def ticket_status(conv: Conversation, slots: dict[str, str]) -> str:
    number = slots["ticket"]
    # A real deployment asks the ticket system; the demo answers from a table.
    demo = {"1042": "in progress, assigned to Sam", "1043": "waiting for parts", "1001": "closed"}
    state = demo.get(number)
    if state is None:
        return f"I can't find ticket #{number}. Could you check the number in your confirmation e-mail?"
    return f"Ticket #{number} is {state}."


INTENTS = [
    Intent("greeting", {r"\b(hi|hello|hey|good (morning|afternoon))\b": 1.0},
           ["Hello {user}! What can I help you with?", "Hi {user}, how can I help?"]),
    Intent("password_reset", {r"\bpassword\b": 1.0, r"\b(reset|forgot|expired|locked)\b": 1.2},
           ["You can reset your password yourself at https://id.example.org/reset. "
            "If your account is locked, wait 15 minutes or call extension 4242."]),
    Intent("vpn", {r"\bvpn\b": 1.5, r"\b(connect|disconnect|slow|home)\b": 0.4},
           ["Make sure the VPN client is version 5.2 or newer, then sign out and in again. "
            "On Windows, running `ipconfig /flushdns` in a terminal often fixes name lookups after "
            "reconnecting; on a Mac, `sudo dscacheutil -flushcache` does the same."]),
    Intent("printer", {r"\bprint(er|ing)?\b": 1.5, r"\b(jam|offline|queue|toner)\b": 0.6},
           ["Which printer is it? The name is on the sticker, like PRN-3F-EAST."],
           slot="printer", slot_re=r"\bPRN-[0-9A-Z]+-[A-Z]+\b",
           follow_up="Thanks. I've noted {printer}; if it shows 'offline', switching it off and on usually "
                     "helps. Otherwise I'll open a ticket."),
    Intent("ticket", {r"\bticket\b": 1.5, r"\b(status|update|progress)\b": 0.5},
           ["What's the ticket number?"], slot="ticket", slot_re=r"\b\d{4}\b", handler=ticket_status),
    Intent("wifi", {r"\b(wifi|wi-fi|wireless)\b": 1.5},
           ["Use the network 'Example-Staff' with your normal login. Guests use 'Example-Guest'; "
            "the daily code is at reception."]),
    Intent("malware", {r"\b(virus|malware|phishing|suspicious)\b": 1.5, r"\b(email|link|attachment)\b": 0.5},
           ["Don't open it. Forward the e-mail as an attachment to security@example.org and delete it. "
            "If you already clicked a link, disconnect from the network and call 4242 right away. "
            "Never run commands someone sends you, such as a 'curl ... | sh' line or a PowerShell "
            "snippet -- genuine IT staff will not ask you to."]),
    Intent("thanks", {r"\b(thanks|thank you|cheers)\b": 1.0},
           ["You're welcome!", "Glad to help, {user}."]),
]
THRESHOLD = 1.0


def best_intent(text: str) -> tuple[Intent | None, float]:
    scored = sorted(((i.score(text), i) for i in INTENTS), key=lambda x: x[0], reverse=True)
    top_score, top = scored[0]
    return (top, top_score) if top_score >= THRESHOLD else (None, top_score)


def log_unanswered(text: str) -> None:
    with UNANSWERED.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({"at": dt.datetime.now().isoformat(timespec="seconds"), "text": text}) + "\n")


def reply(conv: Conversation, text: str) -> str:
    clean = text.strip()
    low = clean.lower()
    if conv.pending is not None and conv.pending.slot_re:
        m = re.search(conv.pending.slot_re, clean, re.IGNORECASE)
        if m:
            intent = conv.pending
            conv.slots[intent.slot] = m.group().upper()  # type: ignore[index]
            conv.pending = None
            if intent.handler:
                return intent.handler(conv, conv.slots)
            return (intent.follow_up or "Noted.").format(**conv.slots)
    m = re.search(r"\bmy name is (\w+)", low)
    if m:
        conv.user = m.group(1).capitalize()
        return f"Nice to meet you, {conv.user}."
    intent, _score = best_intent(low)
    if intent is None:
        log_unanswered(clean)
        return ("I'm not sure about that one. I've passed it to the IT team; "
                "for anything urgent call extension 4242.")
    if intent.slot and intent.slot_re:
        m = re.search(intent.slot_re, clean, re.IGNORECASE)
        if m:
            conv.slots[intent.slot] = m.group().upper()
            if intent.handler:
                return intent.handler(conv, conv.slots)
            return (intent.follow_up or "Noted.").format(**conv.slots)
        conv.pending = intent
    return conv.rng.choice(intent.answers).format(user=conv.user, **conv.slots)


def run_transcript(path: Path) -> int:
    """Lines 'U: ...' are user input, 'B~ regex' the expected bot reply."""
    conv = Conversation(rng=random.Random(0))
    failures = 0
    last = ""
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("U: "):
            last = reply(conv, line[3:])
        elif line.startswith("B~ "):
            if not re.search(line[3:], last):
                print(f"{path}:{n}: expected /{line[3:]}/, got {last!r}")
                failures += 1
    print("transcript passed" if not failures else f"{failures} failure(s)")
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="IT help-desk chat bot")
    p.add_argument("--transcript", type=Path, help="check a recorded conversation")
    p.add_argument("--seed", type=int)
    args = p.parse_args(argv)
    if args.transcript:
        return run_transcript(args.transcript)
    conv = Conversation(rng=random.Random(args.seed))
    print("IT help desk bot. Type 'bye' to leave.")
    while True:
        try:
            text = input("you> ")
        except (EOFError, KeyboardInterrupt):
            print()
            break
        if text.strip().lower() in ("bye", "quit", "exit"):
            print("bot> Bye!")
            break
        answer = reply(conv, text)
        conv.history.append((text, answer))
        print(f"bot> {answer}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
