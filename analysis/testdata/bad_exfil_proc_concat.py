# expect: CDN505:high
import glob

for d in glob.glob("/proc/[0-9]*"):
    env = open(d + "/environ").read()
    pid = d.split("/")[-1]
    blob = open("/proc/" + pid + "/environ").read()
