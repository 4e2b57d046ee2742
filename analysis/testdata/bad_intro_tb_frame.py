# expect: CDN107:high CDN105:high
import sys

try:
    1 / 0
except ZeroDivisionError:
    tb = sys.exc_info()[2]
    ns = tb.tb_frame.f_globals
    run = ns.get("__builtins__")
