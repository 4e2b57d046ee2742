"""Tidy a project tree with comprehensions and lambdas."""
import glob
import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def stale_outputs(build: str):
    return [p for p in glob.glob(os.path.join(build, "*.o")) if os.path.getmtime(p) < 0]


def tidy(build: str) -> int:
    removed = [os.remove(p) for p in glob.glob(os.path.join(build, "*.pyc"))]
    [shutil.rmtree(d) for d in (ROOT / "dist", ROOT / "build") if d.exists()]
    return len(removed)


def newest(paths):
    return max(paths, key=lambda p: os.path.getmtime(p))


def sizes(paths):
    return sorted(map(lambda p: (os.path.getsize(p), p), paths))


def config_dir() -> Path:
    return Path.home() / ".config" / "tidy"


if __name__ == "__main__":
    print(tidy("build"), stale_outputs("build"), config_dir())
    print(newest(glob.glob("*.py")), sizes(glob.glob("*.py"))[:3])
