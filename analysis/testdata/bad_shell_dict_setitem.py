# expect: CDN202:high
from subprocess import Popen

kw = {}
kw["shell"] = True
Popen(input(), **kw).wait()
