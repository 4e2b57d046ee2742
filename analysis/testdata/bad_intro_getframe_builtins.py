# expect: CDN107:high CDN105:high CDN101:high
# A frame's f_builtins is the builtins namespace, reached without naming it.
import sys

payload = input()
b = sys._getframe().f_builtins
b["exec"](payload)
