# expect: CDN202
import subprocess
subprocess.run('ls ' + input(), shell=True)
