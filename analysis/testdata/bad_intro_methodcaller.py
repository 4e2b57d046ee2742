# expect: CDN104:high CDN201:high
from operator import methodcaller
import os as o

call = methodcaller("system", "id")
call(o)
