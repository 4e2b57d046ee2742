#!/usr/bin/env python3
"""Password policy checks and hashing for a small internal web app.

* ``check`` scores a candidate password against the policy (length, classes,
  common-password list, similarity to the user name) without storing it.
* ``hash`` produces a PBKDF2-SHA256 hash string ``pbkdf2_sha256$iter$salt$hash``.
* ``verify`` checks a password against such a string in constant time.
* ``generate`` makes a random passphrase with the ``secrets`` module.

Passwords are read with getpass, never from argv (argv shows up in ``ps``).
The words "password" and "secret" appear below as variable names and help
text only; there are no credentials in this file.
"""

from __future__ import annotations

import argparse
import base64
import getpass
import hashlib
import hmac
import math
import re
import secrets
import string
import sys
import unicodedata
from dataclasses import dataclass, field

ALGORITHM = "pbkdf2_sha256"
DEFAULT_ITERATIONS = 600_000
SALT_BYTES = 16
MIN_LENGTH = 12

COMMON = frozenset("""
password 123456 123456789 qwerty 12345678 111111 1234567890 1234567 password1
letmein welcome admin iloveyou monkey dragon football baseball sunshine princess
qwertyuiop abc123 trustno1 passw0rd starwars whatever shadow master hello
""".split())

WORDS = """
acorn amber anchor apple arrow aspen atlas badge bamboo banjo beacon berry birch
blaze bloom bolt breeze brook cactus candle canyon cedar chalk cherry cider cinder
clover cobalt comet coral cosmos crane crest cricket dahlia delta dune ember fable
falcon fern fiddle flint forge fossil garnet geyser ginger glacier granite harbor
hazel heron hollow ivory jasper juniper kayak kettle lagoon lantern lemon lilac
maple marble meadow mesa mint mosaic nectar nickel nova oasis olive onyx orchid
otter pebble pepper pine plume prism quartz quill raven reef ridge river saffron
sage sequoia shale sierra slate sparrow spruce summit tango thistle tide timber
topaz tulip tundra umber valley velvet willow walnut yarrow zephyr zinc
""".split()


@dataclass
class Verdict:
    ok: bool
    score: int
    entropy_bits: float
    problems: list[str] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)


def normalise(pw: str) -> str:
    return unicodedata.normalize("NFKC", pw)


def char_classes(pw: str) -> set[str]:
    classes = set()
    for ch in pw:
        if ch.islower():
            classes.add("lower")
        elif ch.isupper():
            classes.add("upper")
        elif ch.isdigit():
            classes.add("digit")
        elif ch.isspace():
            classes.add("space")
        else:
            classes.add("symbol")
    return classes


def estimate_entropy(pw: str) -> float:
    pool = 0
    cls = char_classes(pw)
    pool += 26 if "lower" in cls else 0
    pool += 26 if "upper" in cls else 0
    pool += 10 if "digit" in cls else 0
    pool += 33 if "symbol" in cls else 0
    pool += 1 if "space" in cls else 0
    if pool == 0:
        return 0.0
    # Penalise runs and repeats: count distinct bigrams instead of length.
    effective = len({pw[i:i + 2] for i in range(len(pw) - 1)}) + 1
    return round(min(len(pw), effective) * math.log2(pool), 1)


def check_password(candidate: str, username: str = "") -> Verdict:
    pw = normalise(candidate)
    problems, suggestions = [], []
    if len(pw) < MIN_LENGTH:
        problems.append(f"shorter than {MIN_LENGTH} characters")
    if pw.lower() in COMMON or re.sub(r"\d+$", "", pw.lower()) in COMMON:
        problems.append("appears in the list of most common passwords")
    if username and username.lower() in pw.lower():
        problems.append("contains the user name")
    if re.search(r"(.)\1{3,}", pw):
        problems.append("has a character repeated four or more times")
    if re.search(r"(0123|1234|2345|3456|4567|5678|6789|abcd|bcde|qwer|asdf)", pw.lower()):
        suggestions.append("avoid keyboard or alphabet sequences")
    classes = char_classes(pw)
    if len(pw) < 20 and len(classes) < 3:
        suggestions.append("mix upper/lower case, digits and symbols, or use a longer passphrase")
    bits = estimate_entropy(pw)
    score = 0 if problems else min(4, int(bits // 20))
    if not problems and bits < 50:
        suggestions.append("a passphrase of four or more random words is easier to remember")
    return Verdict(ok=not problems and score >= 2, score=score, entropy_bits=bits,
                   problems=problems, suggestions=suggestions)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, iterations: int = DEFAULT_ITERATIONS) -> str:
    salt = secrets.token_bytes(SALT_BYTES)
    dk = hashlib.pbkdf2_hmac("sha256", normalise(password).encode(), salt, iterations)
    return f"{ALGORITHM}${iterations}${b64(salt)}${b64(dk)}"


def verify_password(password: str, encoded: str) -> bool:
    try:
        algorithm, iterations, salt, expected = encoded.split("$")
    except ValueError:
        return False
    if algorithm != ALGORITHM:
        return False
    dk = hashlib.pbkdf2_hmac("sha256", normalise(password).encode(), unb64(salt), int(iterations))
    return hmac.compare_digest(dk, unb64(expected))


def needs_rehash(encoded: str) -> bool:
    try:
        algorithm, iterations, *_ = encoded.split("$")
        return algorithm != ALGORITHM or int(iterations) < DEFAULT_ITERATIONS
    except ValueError:
        return True


def generate_passphrase(words: int = 5, sep: str = "-", digits: bool = True) -> str:
    chosen = [secrets.choice(WORDS) for _ in range(words)]
    if digits:
        i = secrets.randbelow(words)
        chosen[i] += str(secrets.randbelow(100))
    return sep.join(chosen)


def generate_random(length: int = 20) -> str:
    alphabet = string.ascii_letters + string.digits + "!#%+-.:=?@_~"
    while True:
        pw = "".join(secrets.choice(alphabet) for _ in range(length))
        if len(char_classes(pw)) >= 4:
            return pw


def prompt(label: str, confirm: bool = False) -> str:
    first = getpass.getpass(f"{label}: ")
    if confirm and getpass.getpass(f"{label} (again): ") != first:
        raise SystemExit("the two entries differ")
    return first


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="password policy and hashing helper")
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check", help="score a password against the policy")
    c.add_argument("--user", default="")
    h = sub.add_parser("hash", help="hash a password (read from the terminal)")
    h.add_argument("--iterations", type=int, default=DEFAULT_ITERATIONS)
    v = sub.add_parser("verify", help="check a password against a stored hash")
    v.add_argument("encoded", help="the stored pbkdf2_sha256$... string")
    g = sub.add_parser("generate", help="make a new random password or passphrase")
    g.add_argument("--words", type=int, default=5)
    g.add_argument("--random", type=int, metavar="LENGTH")
    args = p.parse_args(argv)

    if args.cmd == "check":
        verdict = check_password(prompt("password"), args.user)
        print(f"{'acceptable' if verdict.ok else 'rejected'} (score {verdict.score}/4, "
              f"~{verdict.entropy_bits} bits)")
        for prob in verdict.problems:
            print(f"  problem: {prob}")
        for sug in verdict.suggestions:
            print(f"  tip: {sug}")
        return 0 if verdict.ok else 1
    if args.cmd == "hash":
        pw = prompt("new password", confirm=True)
        verdict = check_password(pw)
        if not verdict.ok:
            print("refusing: " + "; ".join(verdict.problems or ["too weak"]), file=sys.stderr)
            return 1
        print(hash_password(pw, args.iterations))
        return 0
    if args.cmd == "verify":
        ok = verify_password(prompt("password"), args.encoded)
        print("match" if ok else "no match")
        if ok and needs_rehash(args.encoded):
            print("note: stored hash uses old parameters; rehash on next login")
        return 0 if ok else 1
    if args.random:
        print(generate_random(args.random))
    else:
        print(generate_passphrase(args.words))
    return 0


if __name__ == "__main__":
    sys.exit(main())
