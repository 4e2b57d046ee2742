# expect: CDN201:high
import os
import sys

host = sys.argv[1]
os.system(f"ping -c 1 {host}")
