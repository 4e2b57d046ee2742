"""Helpers that look at frames and functions without escaping anything.

The docstring talks about eval, exec, os.system and sys._getframe().f_globals
as prose; none of that is code.
"""
import functools
import inspect
import logging
import operator
import subprocess
import sys
import types

log = logging.getLogger(__name__)


def caller_name() -> str:
    # The name of the function that called us, for log messages.
    return sys._getframe(1).f_code.co_name


def where() -> str:
    frame = inspect.currentframe()
    try:
        return f"{frame.f_code.co_filename}:{frame.f_lineno}"
    finally:
        del frame


def deep_get(obj, dotted: str):
    return functools.reduce(getattr, dotted.split("."), obj)


PRICES = [{"open": 1.0, "close": 2.0}, {"open": 3.0, "close": 2.5}]
by_open = sorted(PRICES, key=operator.itemgetter("open"))
names = sorted([types.SimpleNamespace(name="b"), types.SimpleNamespace(name="a")], key=operator.attrgetter("name"))
upper = list(map(str.upper, ["a", "b"]))
longest = max(["aa", "b"], key=len)


def on_start(arg):
    log.info("start %s", arg)


def on_stop(arg):
    log.info("stop %s", arg)


HANDLERS = {"start": on_start, "stop": on_stop}


def dispatch(event: str, arg) -> None:
    HANDLERS[event](arg)


def is_process(p) -> bool:
    return isinstance(p, subprocess.Popen)


def handler(signum, frame):
    log.warning("signal %d in %s", signum, frame.f_code.co_name)


class Registry:
    def __init__(self):
        self.callbacks = []
        self.render = str

    def register(self, fn):
        self.callbacks.append(fn)
        return fn

    def show(self, x):
        return self.render(x)


if __name__ == "__main__":
    dispatch("start", caller_name())
    print(Registry().show(where()), by_open, names, upper, longest)
