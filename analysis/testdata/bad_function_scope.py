# expect: CDN201
import os as _o

def run(cmd):
    r = _o.popen(cmd)
    return r.read()

class K:
    def go(self):
        return run('id')
