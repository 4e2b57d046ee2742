# expect: CDN507:high
import glob
import os

for f in glob.glob("/etc/*.conf"):
    os.unlink(f)
