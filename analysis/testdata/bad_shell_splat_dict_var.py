# expect: CDN202:high
import subprocess

opts = {"shell": True, "check": False}
subprocess.run(input("cmd: "), **opts)
