# expect: CDN210:high
import os
import signal

os.kill(-1, signal.SIGKILL)
