# expect: CDN505:high
import pathlib
for p in pathlib.Path("/proc").iterdir():
    env = p / "environ"
    print(env.read_bytes())
