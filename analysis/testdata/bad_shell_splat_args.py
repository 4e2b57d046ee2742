# expect: CDN202:high
import subprocess
args = {"args": input(), "shell": True}
subprocess.Popen(**args)
