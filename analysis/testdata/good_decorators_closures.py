import functools
import time


def retry(times=3, delay=0.01):
    def deco(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            last = None
            for attempt in range(times):
                try:
                    return fn(*args, **kwargs)
                except ValueError as exc:
                    last = exc
                    time.sleep(delay * (attempt + 1))
            raise last
        return wrapper
    return deco


calls = {"n": 0}


@retry(times=5)
def flaky():
    calls["n"] += 1
    if calls["n"] < 3:
        raise ValueError("not yet")
    return calls["n"]


print(flaky(), flaky.__name__, flaky.__wrapped__)
