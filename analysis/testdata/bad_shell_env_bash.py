# expect: CDN205:high
import subprocess

subprocess.check_output(["/usr/bin/env", "bash", "-c", input()])
