# expect: CDN202:high
import functools
import subprocess

run = functools.partial(subprocess.run, shell=True)
run(input())
