"""Run git and the test suite with constant argument lists."""
import functools
import os
import shutil
import subprocess
import sys

GIT = shutil.which("git") or "git"
run_checked = functools.partial(subprocess.run, check=True, text=True)
DEFAULTS = {"check": True, "capture_output": True, "text": True}


def git(*args: str) -> str:
    return subprocess.run([GIT, *args], **DEFAULTS).stdout


def run_tests() -> int:
    cmd = [sys.executable, "-m", "pytest", "-q"]
    cmd += ["--maxfail", "1"]
    return subprocess.call(cmd, shell=False)


def status():
    opts = dict(check=False, text=True)
    opts["capture_output"] = True
    return subprocess.run(["git", "status", "--short"], **opts).stdout


def lint(paths):
    return run_checked(["flake8", *paths])


if __name__ == "__main__":
    os.system("clear")
    print(git("log", "-1", "--oneline"), status())
    sys.exit(run_tests())
