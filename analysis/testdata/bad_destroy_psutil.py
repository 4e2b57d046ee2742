# expect: CDN210:high
import psutil

for proc in psutil.process_iter():
    proc.kill()
