# expect: CDN201:high
import os
def get():
    return os.system
get()("id")
class K:
    def __init__(self):
        self.cb = os.popen
k = K()
k.cb("id")
