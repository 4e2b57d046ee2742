#!/usr/bin/env python3
"""Cut a release of this repository: checks, version bump, build, tag, and a
status post to the team's release dashboard.

Steps (each can be skipped with --skip NAME):

  clean-tree   the working tree has no uncommitted changes
  changelog    CHANGELOG.md has a section for the new version
  tests        the test suite passes (scripts/test.sh, run by bash)
  bump         __version__ in src/pkg/__init__.py is updated
  build        wheel and sdist are built into dist/
  checksums    dist/SHA256SUMS is written
  tag          an annotated git tag is created (not pushed)
  announce     a JSON status is POSTed to the release dashboard

Child processes get a copy of our environment with a fixed locale and
without anything that looks like a token; the dashboard receives only the
version, the checksums and the step results.

    release_pipeline.py 1.8.0 --dry-run
    release_pipeline.py 1.8.0 --skip announce
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import requests

ROOT = Path(__file__).resolve().parent
INIT = ROOT / "src" / "pkg" / "__init__.py"
CHANGELOG = ROOT / "CHANGELOG.md"
DIST = ROOT / "dist"
DASHBOARD = "https://releases.internal.example.org/api/v1/status"
VERSION_RE = re.compile(r"^\d+\.\d+\.\d+(?:rc\d+)?$")


class StepFailed(Exception):
    pass


@dataclass
class Context:
    version: str
    dry_run: bool
    results: dict[str, str] = field(default_factory=dict)
    checksums: dict[str, str] = field(default_factory=dict)
    started: float = field(default_factory=time.time)


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    for key in list(env):
        if re.search(r"TOKEN|SECRET|PASSWORD|KEY", key):
            env.pop(key)
    env["LC_ALL"] = "C.UTF-8"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run(argv: list[str], ctx: Context, capture: bool = False) -> str:
    print(f"  $ {' '.join(argv)}")
    if ctx.dry_run and argv[0] in ("git",) and argv[1] in ("tag", "commit"):
        return ""
    proc = subprocess.run(argv, cwd=ROOT, env=child_env(), text=True,
                          capture_output=capture, timeout=1800)
    if proc.returncode != 0:
        raise StepFailed(f"{argv[0]} exited with {proc.returncode}"
                         + (f": {proc.stderr.strip()[:300]}" if capture and proc.stderr else ""))
    return proc.stdout if capture else ""


def step_clean_tree(ctx: Context) -> str:
    status = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout
    dirty = [line for line in status.splitlines() if line.strip()]
    if dirty:
        raise StepFailed(f"{len(dirty)} uncommitted change(s), e.g. {dirty[0].strip()}")
    return "clean"


def step_changelog(ctx: Context) -> str:
    text = CHANGELOG.read_text(encoding="utf-8")
    if not re.search(rf"^## \[?{re.escape(ctx.version)}\]?", text, re.MULTILINE):
        raise StepFailed(f"CHANGELOG.md has no '## {ctx.version}' section")
    return "found"


def step_tests(ctx: Context) -> str:
    # The test script sets up services and runs pytest; it is checked in
    # and reviewed like the rest of the code.
    subprocess.run(["bash", "scripts/test.sh"], cwd=ROOT, env=child_env(), check=True, timeout=3600)
    return "passed"


def step_bump(ctx: Context) -> str:
    text = INIT.read_text(encoding="utf-8")
    new, n = re.subn(r'^__version__ = "[^"]+"', f'__version__ = "{ctx.version}"', text, flags=re.MULTILINE)
    if n != 1:
        raise StepFailed(f"expected one __version__ line in {INIT}, found {n}")
    if new == text:
        return "unchanged"
    if not ctx.dry_run:
        INIT.write_text(new, encoding="utf-8")
        run(["git", "commit", "-m", f"release {ctx.version}", str(INIT.relative_to(ROOT))], ctx)
    return "bumped"


def step_build(ctx: Context) -> str:
    DIST.mkdir(exist_ok=True)
    for old in DIST.glob("*"):
        if old.is_file() and old.suffix in (".whl", ".gz"):
            old.unlink()
    run([sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", str(DIST)], ctx)
    built = sorted(p.name for p in DIST.iterdir() if ctx.version in p.name)
    if len(built) < 2:
        raise StepFailed(f"expected a wheel and an sdist for {ctx.version}, got {built}")
    return ", ".join(built)


def step_checksums(ctx: Context) -> str:
    lines = []
    for artefact in sorted(DIST.iterdir()):
        if ctx.version not in artefact.name or artefact.name == "SHA256SUMS":
            continue
        digest = hashlib.sha256(artefact.read_bytes()).hexdigest()
        ctx.checksums[artefact.name] = digest
        lines.append(f"{digest}  {artefact.name}")
    (DIST / "SHA256SUMS").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return f"{len(lines)} file(s)"


def step_tag(ctx: Context) -> str:
    tag = f"v{ctx.version}"
    existing = run(["git", "tag", "--list", tag], ctx, capture=True).strip()
    if existing:
        raise StepFailed(f"tag {tag} already exists")
    run(["git", "tag", "-a", tag, "-m", f"Release {ctx.version}"], ctx)
    return tag


def step_announce(ctx: Context) -> str:
    payload = {
        "version": ctx.version,
        "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "steps": ctx.results,
        "artefacts": ctx.checksums,
        "duration_s": round(time.time() - ctx.started, 1),
        "dry_run": ctx.dry_run,
    }
    if ctx.dry_run:
        print("  would post:", json.dumps(payload, indent=2))
        return "dry run"
    resp = requests.post(DASHBOARD, json=payload, timeout=10)
    if resp.status_code >= 300:
        raise StepFailed(f"dashboard answered {resp.status_code}")
    return "posted"


STEPS: list[tuple[str, Callable[[Context], str]]] = [
    ("clean-tree", step_clean_tree),
    ("changelog", step_changelog),
    ("tests", step_tests),
    ("bump", step_bump),
    ("build", step_build),
    ("checksums", step_checksums),
    ("tag", step_tag),
    ("announce", step_announce),
]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="cut a release")
    p.add_argument("version")
    p.add_argument("--dry-run", action="store_true", help="change nothing in git, post nothing")
    p.add_argument("--skip", action="append", default=[], choices=[name for name, _ in STEPS])
    args = p.parse_args(argv)
    if not VERSION_RE.match(args.version):
        p.error("version must look like 1.2.3 or 1.2.3rc1")

    ctx = Context(args.version, args.dry_run)
    for name, fn in STEPS:
        if name in args.skip:
            ctx.results[name] = "skipped"
            print(f"- {name}: skipped")
            continue
        print(f"- {name}")
        try:
            ctx.results[name] = fn(ctx)
        except (StepFailed, subprocess.CalledProcessError, subprocess.TimeoutExpired,
                requests.RequestException, OSError) as exc:
            ctx.results[name] = f"failed: {exc}"
            print(f"  FAILED: {exc}", file=sys.stderr)
            return 1
        print(f"  ok: {ctx.results[name]}")
    print(f"\nrelease {args.version} ready" + (" (dry run)" if args.dry_run else "")
          + "; push the tag with: git push origin v" + args.version)
    return 0


if __name__ == "__main__":
    sys.exit(main())
