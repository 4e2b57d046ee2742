"""Clean a build tree and stop the worker processes this tool started."""
import glob
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

BUILD = Path("build")
CACHE = os.path.expanduser("~/.cache/mytool")


def clean_build(build_dir: str) -> None:
    if os.path.isdir(build_dir):
        shutil.rmtree(build_dir)


def clean_pyc(root: Path) -> int:
    n = 0
    for p in root.rglob("*.pyc"):
        p.unlink()
        n += 1
    return n


def clean_tmp() -> None:
    work = tempfile.mkdtemp()
    for name in os.listdir(work):
        os.remove(os.path.join(work, name))
    shutil.rmtree(work)


def stop(proc: subprocess.Popen) -> None:
    os.killpg(os.getpgid(proc.pid), signal.SIGTERM)
    os.kill(proc.pid, signal.SIGKILL)


def clean_logs() -> None:
    for f in glob.glob("logs/*.log"):
        os.unlink(f)


if __name__ == "__main__":
    clean_build(str(BUILD))
    shutil.rmtree(CACHE, ignore_errors=True)
    print(clean_pyc(Path(".")))
    p = subprocess.Popen(["sleep", "10"], start_new_session=True)
    stop(p)
