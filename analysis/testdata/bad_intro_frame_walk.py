# expect: CDN101:high CDN105:high CDN107:high
import sys
f = sys._getframe(0)
while f.f_back:
    f = f.f_back
f.f_globals["__builtins__"]["exec"](input())
