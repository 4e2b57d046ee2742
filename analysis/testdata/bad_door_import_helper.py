# expect: CDN103:high
from importlib import import_module


def load(name):
    return import_module(name)


plugin = load(open("name.txt").read().strip())
