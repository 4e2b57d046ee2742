"""Plugin loading from a fixed list, and pickling of plain data classes."""
import copyreg
import importlib
import json
import pickle

FORMATS = {"json": "json", "csv": "csv"}


def load_format(name: str):
    return importlib.import_module(FORMATS.get(name, "json"))


json_mod = importlib.import_module("json")
csv_mod = __import__("csv")


class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __reduce__(self):
        return (self.__class__, (self.x, self.y))


class Pair:
    def __init__(self, a, b):
        self.a, self.b = a, b

    def __reduce_ex__(self, protocol):
        return (type(self), (self.a, self.b))


def _rebuild(d):
    return Pair(**d)


class Box:
    def __reduce__(self):
        return _rebuild, ({"a": 1, "b": 2},)


copyreg.pickle(Pair, lambda p: (Pair, (p.a, p.b)))

if __name__ == "__main__":
    blob = pickle.dumps([Point(1, 2), Pair(3, 4), Box()])
    print(len(blob), json_mod.dumps({"ok": True}), load_format("csv").__name__, csv_mod.__name__)


class Color:
    RED = "red"

    def __reduce_ex__(self, proto):
        return getattr, (self.__class__, "RED")


class Config:
    def __init__(self, fn=None):
        if fn is None:
            fn = "~/.config/tool.ini"
        self.filename = fn
