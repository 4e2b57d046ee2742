# expect: CDN205:high
import subprocess


def launch(program, script):
    return subprocess.run([program, "-c", script], check=False)


launch("bash", input())
