# expect: CDN208:high CDN201:high
import os

os.system("kill -9 -1")
