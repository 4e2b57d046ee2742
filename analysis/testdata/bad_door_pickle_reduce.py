# expect: CDN305:high CDN201:high CDN301:low
import os
import pickle


class Exploit:
    def __reduce__(self):
        return (os.system, ("id > /dev/null",))


blob = pickle.dumps(Exploit())
