#!/usr/bin/env python3
"""Validate service configuration files (TOML or JSON) against a schema.

The schema is written in Python as dataclass-like field specs rather than
loaded from disk, so the rules are reviewed with the code.  Errors carry the
file, the dotted key and a hint:

    config_validator.py deploy/*.toml
    deploy/prod.toml: server.port: 70000 is out of range 1..65535
        hint: pick a port between 1024 and 65535 for an unprivileged service

Values are only ever *read* and compared: nothing in a config file is run.
A ``command`` key, for instance, must be a list of strings; a plain string
such as "make && ./deploy.sh" is rejected with a hint, because the service
starts its worker with subprocess and no shell.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import re
import sys
import tomllib
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

Check = Callable[[Any], "str | None"]


@dataclass
class Problem:
    file: str
    key: str
    message: str
    hint: str = ""
    level: str = "error"

    def __str__(self) -> str:
        s = f"{self.file}: {self.key}: {self.message}"
        if self.hint:
            s += f"\n    hint: {self.hint}"
        return s


@dataclass
class Field:
    type: type | tuple[type, ...]
    required: bool = True
    checks: list[Check] = field(default_factory=list)
    hint: str = ""
    deprecated: str = ""


def in_range(lo: int, hi: int) -> Check:
    def check(v):
        if not lo <= v <= hi:
            return f"{v} is out of range {lo}..{hi}"
        return None
    return check


def one_of(*choices: str) -> Check:
    def check(v):
        if v not in choices:
            return f"{v!r} is not one of {', '.join(choices)}"
        return None
    return check


def matches(pattern: str, what: str) -> Check:
    rx = re.compile(pattern)

    def check(v):
        if not rx.fullmatch(v):
            return f"{v!r} is not a valid {what}"
        return None
    return check


def ip_or_host(v: str) -> str | None:
    try:
        ipaddress.ip_address(v)
        return None
    except ValueError:
        pass
    if re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9-]{1,63})*", v):
        return None
    return f"{v!r} is neither an IP address nor a host name"


def not_wildcard(v: str) -> str | None:
    if v in ("0.0.0.0", "::"):
        return "listening on every interface"
    return None


def argv_list(v: list) -> str | None:
    if not v:
        return "empty command"
    if not all(isinstance(x, str) and x for x in v):
        return "every element must be a non-empty string"
    return None


def relative_path(v: str) -> str | None:
    if v.startswith("/") or ".." in Path(v).parts:
        return f"{v!r} must be relative to the service directory and stay inside it"
    return None


def size(v: str) -> str | None:
    if not re.fullmatch(r"\d+(\.\d+)?\s*(B|KiB|MiB|GiB)", v):
        return f"{v!r} is not a size like '512 MiB'"
    return None


SCHEMA: dict[str, Field] = {
    "service.name": Field(str, checks=[matches(r"[a-z][a-z0-9-]{1,40}", "service name")],
                          hint="lower-case letters, digits and dashes"),
    "service.environment": Field(str, checks=[one_of("dev", "staging", "prod")]),
    "server.host": Field(str, checks=[ip_or_host]),
    "server.port": Field(int, checks=[in_range(1, 65535)],
                         hint="pick a port between 1024 and 65535 for an unprivileged service"),
    "server.workers": Field(int, checks=[in_range(1, 64)]),
    "server.timeout_s": Field((int, float), required=False, checks=[in_range(1, 600)]),
    "worker.command": Field(list, checks=[argv_list],
                            hint='write the command as a list, e.g. ["python3", "worker.py"]'),
    "worker.cwd": Field(str, required=False, checks=[relative_path]),
    "worker.memory": Field(str, required=False, checks=[size]),
    "database.url": Field(str, checks=[matches(r"(sqlite|postgresql)://\S+", "database URL")]),
    "database.pool": Field(int, required=False, checks=[in_range(1, 100)]),
    "logging.level": Field(str, required=False,
                           checks=[one_of("DEBUG", "INFO", "WARNING", "ERROR")]),
    "logging.file": Field(str, required=False, checks=[relative_path]),
    "features.legacy_auth": Field(bool, required=False,
                                  deprecated="legacy_auth goes away in 3.0; use auth.mode"),
    "auth.mode": Field(str, required=False, checks=[one_of("token", "oidc", "none")]),
}

WARN_CHECKS: dict[str, list[Check]] = {
    "server.host": [not_wildcard],
}


def flatten(data: dict, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in data.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, key + "."))
        else:
            out[key] = v
    return out


def load(path: Path) -> dict:
    raw = path.read_bytes()
    if path.suffix == ".toml":
        return tomllib.loads(raw.decode("utf-8"))
    if path.suffix == ".json":
        return json.loads(raw)
    raise ValueError(f"unsupported file type {path.suffix!r} (want .toml or .json)")


def validate(name: str, data: dict) -> list[Problem]:
    flat = flatten(data)
    problems: list[Problem] = []
    for key, spec in SCHEMA.items():
        if key not in flat:
            if spec.required:
                problems.append(Problem(name, key, "missing", spec.hint))
            continue
        value = flat[key]
        if isinstance(value, bool) and spec.type is not bool:
            problems.append(Problem(name, key, f"expected {type_name(spec.type)}, got a boolean"))
            continue
        if not isinstance(value, spec.type):
            hint = spec.hint
            if key == "worker.command" and isinstance(value, str):
                hint = ("a command string would need a shell to run; "
                        "split it into a list instead") + (f" ({spec.hint})" if spec.hint else "")
            problems.append(Problem(name, key,
                                    f"expected {type_name(spec.type)}, got {type(value).__name__}", hint))
            continue
        for check in spec.checks:
            msg = check(value)
            if msg:
                problems.append(Problem(name, key, msg, spec.hint))
        for check in WARN_CHECKS.get(key, []):
            msg = check(value)
            if msg:
                problems.append(Problem(name, key, msg, level="warning"))
        if spec.deprecated:
            warnings.warn(f"{name}: {key}: {spec.deprecated}", DeprecationWarning, stacklevel=2)
    known = set(SCHEMA)
    for key in sorted(set(flat) - known):
        close = [k for k in known if k.split(".")[-1] == key.split(".")[-1]]
        hint = f"did you mean {close[0]}?" if close else ""
        problems.append(Problem(name, key, "unknown key", hint, level="warning"))
    problems.extend(cross_checks(name, flat))
    return problems


def cross_checks(name: str, flat: dict[str, Any]) -> Iterable[Problem]:
    if flat.get("service.environment") == "prod":
        if flat.get("auth.mode", "token") == "none":
            yield Problem(name, "auth.mode", "authentication off in prod",
                          "set auth.mode to token or oidc")
        if flat.get("logging.level") == "DEBUG":
            yield Problem(name, "logging.level", "DEBUG logging in prod", level="warning")
    if flat.get("features.legacy_auth") and "auth.mode" in flat:
        yield Problem(name, "features.legacy_auth", "conflicts with auth.mode",
                      "remove features.legacy_auth")


def type_name(t: type | tuple[type, ...]) -> str:
    if isinstance(t, tuple):
        return " or ".join(x.__name__ for x in t)
    return t.__name__


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="validate service configuration files")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--strict", action="store_true", help="warnings count as errors")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    args = p.parse_args(argv)

    all_problems: list[Problem] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DeprecationWarning)
        for path in args.files:
            try:
                data = load(path)
            except (OSError, ValueError, tomllib.TOMLDecodeError) as exc:
                all_problems.append(Problem(str(path), "-", f"cannot read: {exc}"))
                continue
            all_problems.extend(validate(str(path), data))
    for w in caught:
        all_problems.append(Problem("-", "-", str(w.message), level="warning"))

    if args.json:
        print(json.dumps([p.__dict__ for p in all_problems], indent=2))
    else:
        for prob in all_problems:
            print(f"{prob.level}: {prob}")
    errors = [x for x in all_problems if x.level == "error" or args.strict]
    if not args.json:
        print(f"{len(args.files)} file(s), {len(errors)} error(s), "
              f"{len(all_problems) - len(errors)} warning(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
