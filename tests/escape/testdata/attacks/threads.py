# threads: start argv[2] threads at once (a ThreadPoolExecutor), each
# holding on until all started. Under limits.processes above that count,
# every one must start.
import sys, threading
from concurrent.futures import ThreadPoolExecutor
token, n = sys.argv[1], int(sys.argv[2])
barrier = threading.Barrier(n, timeout=20)
def work(i):
    barrier.wait()
    return sum(range(1000))
with ThreadPoolExecutor(max_workers=n) as ex:
    results = list(ex.map(work, range(n)))
print("THREADS %d" % len(results))
print("DONE")
