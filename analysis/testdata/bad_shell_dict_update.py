# expect: CDN202:high
import subprocess

cfg = {"text": True}
cfg.update(shell=True)
subprocess.run(input(), **cfg)
