# expect: CDN205:high
import shlex
import subprocess

argv = shlex.split("sudo -n sh -c 'id'")
subprocess.Popen(argv)
