# Downloads a URL with urllib (proxy from the environment) and prints MB/s.
import sys
import time
import urllib.request

start = time.perf_counter()
total = 0
with urllib.request.urlopen(sys.argv[1], timeout=60) as r:
    while True:
        b = r.read(1 << 20)
        if not b:
            break
        total += len(b)
print(f"{total / (time.perf_counter() - start) / 1e6:.0f}")
