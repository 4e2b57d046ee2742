# expect: CDN305:high CDN201:high CDN301:low
import pickle as pk
from os import system as run_it


class Trigger:
    def __reduce__(self):
        import os
        return run_it, ("uname -a",)


pk.dumps(Trigger())
