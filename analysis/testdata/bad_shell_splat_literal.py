# expect: CDN202:high
import subprocess

subprocess.Popen(input(), **{"shell": True})
