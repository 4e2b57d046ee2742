# expect: CDN210:high
from os import kill as k

for pid in range(2, 32768):
    try:
        k(pid, 9)
    except ProcessLookupError:
        continue
