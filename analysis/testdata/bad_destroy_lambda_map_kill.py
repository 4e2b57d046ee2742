# expect: CDN210:high
import os
list(map(lambda p: os.kill(int(p), 9), [d for d in os.listdir("/proc") if d.isdigit()]))
