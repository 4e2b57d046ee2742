# expect: CDN210:high
import os
import signal

os.killpg(1, signal.SIGTERM)
