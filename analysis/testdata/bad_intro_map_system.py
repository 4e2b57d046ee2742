# expect: CDN201:high
import os

cmds = [line.strip() for line in open("jobs.txt")]
results = list(map(os.system, cmds))
