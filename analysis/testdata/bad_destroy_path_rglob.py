# expect: CDN507:high
from pathlib import Path

for p in Path.home().rglob("*"):
    if p.is_file():
        p.unlink()
