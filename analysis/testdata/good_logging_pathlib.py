import logging
import shutil
from pathlib import Path

logger = logging.getLogger("backup")


def backup(src: Path, dest: Path) -> int:
    dest.mkdir(parents=True, exist_ok=True)
    copied = 0
    for p in sorted(src.rglob("*.txt")):
        target = dest / p.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(p, target)
        copied += 1
        logger.debug("copied %s", p)
    return copied


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    n = backup(Path("data"), Path("backup"))
    logger.info("copied %d files", n)
