# expect: CDN202:high
import subprocess

src, dst = input(), input()
subprocess.check_output("tar czf %s %s" % (dst, src), shell=True)
