# expect: CDN201:high
import os
import sys

handlers = {"run": os.system, "show": print}
handlers[sys.argv[1]](sys.argv[2])
