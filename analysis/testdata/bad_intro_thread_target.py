# expect: CDN201:high
import os
import threading

t = threading.Thread(target=os.system, args=("id",))
t.start()
