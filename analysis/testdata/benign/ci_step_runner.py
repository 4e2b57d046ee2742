#!/usr/bin/env python3
"""Run a project's CI steps locally, the same way the CI server does.

Steps are fixed argument lists declared below -- no step is a shell string,
so nothing is interpreted by ``/bin/sh`` and there is no ``shell=True``
anywhere.  The one step that needs shell features lives in a checked-in
script (``scripts/check-licenses.sh``) and is run as a file.

Each step gets a timeout; when it expires, the step's whole process group
(started with ``start_new_session=True``) is terminated, then killed.

    ci_step_runner.py                 # all steps
    ci_step_runner.py lint test       # just these
    ci_step_runner.py --list
"""

from __future__ import annotations

import unittest
from unittest import mock
import tempfile
import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Step:
    name: str
    argv: tuple[str, ...]
    timeout: int = 600
    needs: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    optional: bool = False


STEPS = (
    Step("format", (sys.executable, "-m", "black", "--check", "--quiet", "src", "tests")),
    Step("lint", (sys.executable, "-m", "ruff", "check", "src", "tests")),
    Step("types", (sys.executable, "-m", "mypy", "--strict", "src"), timeout=900),
    Step("test", (sys.executable, "-m", "pytest", "-q", "--maxfail=5", "tests"),
         timeout=1800, env={"PYTHONHASHSEED": "0"}),
    Step("licenses", ("bash", "scripts/check-licenses.sh"), needs=("bash",)),
    Step("docs", ("make", "-C", "docs", "html", "SPHINXOPTS=-W"), needs=("make",),
         optional=True),
    Step("build", (sys.executable, "-m", "build", "--wheel", "--outdir", "dist")),
)
BY_NAME = {s.name: s for s in STEPS}


@dataclass
class Outcome:
    step: Step
    status: str
    seconds: float
    tail: list[str]


def step_env(step: Step) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CI_SECRET_")}
    env.update({"CI": "true", "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"})
    env.update(step.env)
    return env


def stop_group(proc: subprocess.Popen, grace: float = 5.0) -> None:
    """Terminate the step's own process group, then kill what is left."""
    try:
        pgid = os.getpgid(proc.pid)
    except ProcessLookupError:
        return
    if pgid != proc.pid:  # start_new_session makes the child its group leader
        proc.kill()
        return
    os.killpg(pgid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(pgid, signal.SIGKILL)
        proc.wait()


def run_step(step: Step, log_dir: Path, verbose: bool) -> Outcome:
    missing = [tool for tool in step.needs if shutil.which(tool) is None]
    if missing:
        status = "skipped" if step.optional else "failed"
        return Outcome(step, status, 0.0, [f"missing tool(s): {', '.join(missing)}"])
    log_path = log_dir / f"{step.name}.log"
    started = time.monotonic()
    with log_path.open("w", encoding="utf-8") as log:
        log.write(f"$ {' '.join(step.argv)}\n")
        log.flush()
        proc = subprocess.Popen(
            list(step.argv),
            cwd=ROOT,
            env=step_env(step),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        tail: list[str] = []
        deadline = started + step.timeout
        timed_out = False
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            tail.append(line.rstrip("\n"))
            del tail[:-20]
            if verbose:
                print(f"  [{step.name}] {line}", end="")
            if time.monotonic() > deadline:
                timed_out = True
                stop_group(proc)
                break
        try:
            code = proc.wait(timeout=max(1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            timed_out = True
            stop_group(proc)
            code = proc.returncode
    elapsed = time.monotonic() - started
    if timed_out:
        return Outcome(step, "timeout", elapsed, tail)
    return Outcome(step, "passed" if code == 0 else f"failed ({code})", elapsed, tail)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="run CI steps locally")
    p.add_argument("steps", nargs="*", help="step names (default: all)")
    p.add_argument("--list", action="store_true")
    p.add_argument("--keep-going", action="store_true", help="run every step even after a failure")
    p.add_argument("-v", "--verbose", action="store_true", help="stream step output")
    p.add_argument("--logs", type=Path, default=ROOT / ".ci-logs")
    args = p.parse_args(argv)

    if args.list:
        for s in STEPS:
            flag = " (optional)" if s.optional else ""
            print(f"{s.name:<10} {' '.join(s.argv)}{flag}")
        return 0
    unknown = [n for n in args.steps if n not in BY_NAME]
    if unknown:
        p.error(f"unknown step(s): {', '.join(unknown)}; see --list")
    chosen = [BY_NAME[n] for n in args.steps] if args.steps else list(STEPS)
    args.logs.mkdir(parents=True, exist_ok=True)

    outcomes: list[Outcome] = []
    for step in chosen:
        print(f"▶ {step.name}", flush=True)
        out = run_step(step, args.logs, args.verbose)
        outcomes.append(out)
        print(f"  {out.status} in {out.seconds:.1f}s")
        if out.status.startswith(("failed", "timeout")):
            for line in out.tail[-10:]:
                print(f"    | {line}")
            if not args.keep_going:
                break

    print("\nsummary")
    for out in outcomes:
        print(f"  {out.step.name:<10} {out.status:<12} {out.seconds:7.1f}s")
    failed = [o for o in outcomes if o.status.startswith(("failed", "timeout"))]
    print(f"logs in {args.logs}")
    return 1 if failed else 0


class StepTests(unittest.TestCase):
    """python3 -m unittest ci_step_runner"""

    def test_step_names_are_unique(self):
        self.assertEqual(len(BY_NAME), len(STEPS))

    def test_every_command_is_an_argument_list(self):
        for step in STEPS:
            with self.subTest(step=step.name):
                self.assertIsInstance(step.argv, tuple)
                self.assertTrue(all(isinstance(a, str) and a for a in step.argv))

    def test_secrets_are_not_passed_to_steps(self):
        with mock.patch.dict(os.environ, {"CI_SECRET_DEPLOY_KEY": "x", "HOME": "/home/ci"}):
            env = step_env(BY_NAME["test"])
        self.assertNotIn("CI_SECRET_DEPLOY_KEY", env)
        self.assertEqual(env["PYTHONHASHSEED"], "0")
        self.assertEqual(env["CI"], "true")

    def test_missing_tool_skips_optional_step(self):
        with tempfile.TemporaryDirectory() as tmp, mock.patch("shutil.which", return_value=None):
            out = run_step(BY_NAME["docs"], Path(tmp), verbose=False)
        self.assertEqual(out.status, "skipped")

    def test_missing_tool_fails_required_step(self):
        with tempfile.TemporaryDirectory() as tmp, mock.patch("shutil.which", return_value=None):
            out = run_step(BY_NAME["licenses"], Path(tmp), verbose=False)
        self.assertEqual(out.status, "failed")
        self.assertIn("bash", out.tail[0])


if __name__ == "__main__":
    sys.exit(main())
