import contextlib
import os
import tempfile
import time


@contextlib.contextmanager
def timer(label):
    start = time.perf_counter()
    try:
        yield
    finally:
        print(f"{label}: {time.perf_counter() - start:.3f}s")


with timer("write"), tempfile.TemporaryDirectory() as d:
    fd, path = tempfile.mkstemp(dir=d)
    with os.fdopen(fd, "w") as fh:
        fh.write("hello\n")
    print(os.path.getsize(path), os.environ.get("HOME", "?"))
