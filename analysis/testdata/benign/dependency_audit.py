#!/usr/bin/env python3
"""Audit a project's Python dependencies against policy.

Reads requirements files (and pyproject.toml's [project] dependencies),
compares them with what is installed in the current interpreter (via
``python -m pip list --format=json``, run as a fixed argument list), and
reports:

* unpinned or loosely pinned requirements (policy: ``==`` in lock files),
* packages installed at a different version than pinned,
* licences outside the allow-list (from installed metadata),
* packages on the team's deny-list (abandoned or replaced).

    dependency_audit.py requirements.txt requirements-dev.txt
    dependency_audit.py --pyproject pyproject.toml --json
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import json
import re
import subprocess
import sys
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path

REQ_RE = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[(?P<extras>[^\]]+)\])?\s*(?P<spec>(?:[<>=!~]=?|===)[^;#]*)?"
    r"(?:;(?P<marker>[^#]*))?"
)
ALLOWED_LICENCES = {
    "MIT", "BSD", "BSD-2-Clause", "BSD-3-Clause", "Apache-2.0", "Apache Software License",
    "ISC", "PSF-2.0", "Python Software Foundation License", "MPL-2.0", "Unlicense", "0BSD",
}
DENY = {
    "pycrypto": "unmaintained since 2013; use cryptography or pycryptodome",
    "nose": "unmaintained; use pytest",
    "python-jose": "use pyjwt or joserfc",
    "pyyaml-include": "not reviewed",
}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Requirement:
    name: str
    spec: str
    source: str
    line: int
    marker: str = ""

    @property
    def pinned_version(self) -> str | None:
        m = re.fullmatch(r"==\s*([A-Za-z0-9.+!-]+)", self.spec.strip())
        return m.group(1) if m else None


@dataclass
class Report:
    unpinned: list[dict] = field(default_factory=list)
    mismatched: list[dict] = field(default_factory=list)
    missing: list[dict] = field(default_factory=list)
    licences: list[dict] = field(default_factory=list)
    denied: list[dict] = field(default_factory=list)

    def problems(self) -> int:
        return sum(len(v) for v in asdict(self).values())


def parse_requirements(path: Path, seen: set[Path] | None = None) -> list[Requirement]:
    seen = seen or set()
    path = path.resolve()
    if path in seen:
        return []
    seen.add(path)
    reqs = []
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("-r ", "--requirement ")):
            reqs += parse_requirements(path.parent / line.split(None, 1)[1], seen)
            continue
        if line.startswith("-"):
            continue  # index options, hashes continuation, editable installs
        m = REQ_RE.match(line)
        if not m:
            print(f"warning: {path.name}:{n}: cannot parse {line!r}", file=sys.stderr)
            continue
        reqs.append(Requirement(canonical(m["name"]), (m["spec"] or "").strip(), path.name, n,
                                (m["marker"] or "").strip()))
    return reqs


def parse_pyproject(path: Path) -> list[Requirement]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    deps = list(data.get("project", {}).get("dependencies", []))
    for group in data.get("project", {}).get("optional-dependencies", {}).values():
        deps += group
    out = []
    for i, d in enumerate(deps, 1):
        m = REQ_RE.match(d)
        if m:
            out.append(Requirement(canonical(m["name"]), (m["spec"] or "").strip(), path.name, i,
                                   (m["marker"] or "").strip()))
    return out


def installed() -> dict[str, str]:
    out = subprocess.run([sys.executable, "-m", "pip", "list", "--format=json", "--disable-pip-version-check"],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    return {canonical(p["name"]): p["version"] for p in json.loads(out)}


def licence_of(name: str) -> str:
    try:
        meta = md.metadata(name)
    except md.PackageNotFoundError:
        return "?"
    expr = meta.get("License-Expression")
    if expr:
        return expr
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    if classifiers:
        return classifiers[0].replace(" License", "") if classifiers[0] != "OSI Approved" else "OSI Approved"
    lic = (meta.get("License") or "").strip()
    return lic.splitlines()[0][:40] if lic else "?"


def licence_ok(lic: str) -> bool:
    parts = re.split(r"\s+(?:OR|AND)\s+|\s*/\s*", lic)
    return any(p.strip() in ALLOWED_LICENCES or p.strip().replace(" License", "") in ALLOWED_LICENCES
               for p in parts)


def audit(reqs: list[Requirement], have: dict[str, str], lock_mode: bool) -> Report:
    rep = Report()
    for r in reqs:
        where = f"{r.source}:{r.line}"
        if r.name in DENY:
            rep.denied.append({"package": r.name, "at": where, "why": DENY[r.name]})
        if lock_mode and r.pinned_version is None:
            rep.unpinned.append({"package": r.name, "spec": r.spec or "(any)", "at": where})
        if r.marker and "python_version" in r.marker:
            continue  # may legitimately be absent in this interpreter
        if r.name not in have:
            rep.missing.append({"package": r.name, "at": where})
            continue
        if r.pinned_version and have[r.name] != r.pinned_version:
            rep.mismatched.append({"package": r.name, "pinned": r.pinned_version,
                                   "installed": have[r.name], "at": where})
        lic = licence_of(r.name)
        if not licence_ok(lic):
            rep.licences.append({"package": r.name, "licence": lic})
    return rep


def print_report(rep: Report) -> None:
    sections = [
        ("denied packages", rep.denied, lambda d: f"{d['package']} ({d['at']}): {d['why']}"),
        ("not pinned with ==", rep.unpinned, lambda d: f"{d['package']} {d['spec']} ({d['at']})"),
        ("installed version differs", rep.mismatched,
         lambda d: f"{d['package']}: pinned {d['pinned']}, installed {d['installed']}"),
        ("not installed", rep.missing, lambda d: f"{d['package']} ({d['at']})"),
        ("licence needs review", rep.licences, lambda d: f"{d['package']}: {d['licence']}"),
    ]
    for title, items, fmt in sections:
        if items:
            print(f"{title} ({len(items)}):")
            for it in items:
                print(f"  {fmt(it)}")
    print(f"{rep.problems()} problem(s)")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="audit Python dependencies against policy")
    p.add_argument("requirements", nargs="*", type=Path)
    p.add_argument("--pyproject", type=Path)
    p.add_argument("--lock", action="store_true", help="require == pins (lock files)")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    reqs: list[Requirement] = []
    for path in args.requirements:
        reqs += parse_requirements(path)
    if args.pyproject:
        reqs += parse_pyproject(args.pyproject)
    if not reqs:
        p.error("no requirements given")
    try:
        have = installed()
    except (subprocess.CalledProcessError, OSError, json.JSONDecodeError) as exc:
        print(f"dependency_audit: cannot list installed packages: {exc}", file=sys.stderr)
        return 2
    rep = audit(reqs, have, args.lock)
    if args.json:
        print(json.dumps(asdict(rep), indent=2))
    else:
        print_report(rep)
    return 1 if rep.problems() else 0


if __name__ == "__main__":
    sys.exit(main())
