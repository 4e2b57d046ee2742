# expect: CDN507:high
import os, glob
[os.remove(f) for f in glob.glob(os.path.expanduser("~/*"))]
