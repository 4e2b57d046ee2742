# expect: CDN202:high
import subprocess as sp

options = dict(shell=True, check=True)
sp.check_call(open("cmd.txt").read(), **options)
