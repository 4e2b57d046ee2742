# expect: CDN505:high
import os

for pid in filter(str.isdigit, os.listdir("/proc")):
    path = os.path.join("/proc", pid, "cmdline")
    print(open(path, "rb").read().replace(b"\0", b" "))
