# expect: CDN507:high
import shutil
import sys

user = sys.argv[1]
shutil.rmtree(f"/home/{user}")
