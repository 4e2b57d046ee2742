# expect: CDN205:high
import subprocess

cmd = ["bash"]
cmd += ["-c", input()]
subprocess.call(cmd)
