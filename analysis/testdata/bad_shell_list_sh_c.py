# expect: CDN205:high
import subprocess

user = input()
subprocess.run(["sh", "-c", user])
