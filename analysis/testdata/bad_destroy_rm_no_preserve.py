# expect: CDN208:high CDN201:high
import os

os.system("rm -r --force --no-preserve-root /")
