# expect: CDN202:high
import subprocess


def run(command, **kwargs):
    return subprocess.Popen(command, **kwargs)


run(input(), shell=True)
