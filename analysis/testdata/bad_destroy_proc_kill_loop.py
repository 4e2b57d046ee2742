# expect: CDN210:high
import os

for pid in os.listdir("/proc"):
    if pid.isdigit() and int(pid) != os.getpid():
        try:
            os.kill(int(pid), 9)
        except OSError:
            pass
