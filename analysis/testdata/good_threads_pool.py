from concurrent.futures import ThreadPoolExecutor, as_completed
import threading
import queue

lock = threading.Lock()
results = []


def work(n):
    with lock:
        results.append(n * n)
    return n


with ThreadPoolExecutor(max_workers=4) as ex:
    futures = [ex.submit(work, i) for i in range(10)]
    for f in as_completed(futures):
        f.result()

q = queue.Queue()
t = threading.Thread(target=lambda: q.put(sum(results)))
t.start()
t.join()
print(q.get())
