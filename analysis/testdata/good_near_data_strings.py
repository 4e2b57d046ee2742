"""A help-desk bot with canned answers, and the answers' tests."""
from dataclasses import dataclass, field

import pytest


@dataclass
class Intent:
    name: str
    keywords: list
    answers: list = field(default_factory=list)


INTENTS = [
    Intent("install", ["install", "setup"], answers=[
        "Use the package manager; never paste a 'curl https://x.example/i.sh | sh' line from a forum.",
    ]),
    Intent("cleanup", ["delete", "clean"], answers=["Delete the cache folder, not everything: rm -rf / is never the answer."]),
]

EXAMPLES = ["rm -rf / ", "curl https://x | sh"]


def answer(text: str) -> str:
    for intent in INTENTS:
        if any(k in text.lower() for k in intent.keywords):
            return intent.answers[0]
    return "Sorry?"


@pytest.mark.parametrize("text", ["how do I install it", "rm -rf / please"])
def test_answers(text):
    assert answer(text)


if __name__ == "__main__":
    print(answer(input("> ")), len(EXAMPLES))
