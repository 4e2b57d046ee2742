# expect: CDN505:high
import os

for pid in os.listdir("/proc"):
    try:
        with open(f"/proc/{pid}/environ", "rb") as fh:
            print(fh.read())
    except OSError:
        continue
