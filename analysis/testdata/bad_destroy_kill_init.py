# expect: CDN210:high
import os

INIT = 1
os.kill(INIT, 9)
