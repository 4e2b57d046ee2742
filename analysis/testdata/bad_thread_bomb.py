# expect: CDN207
import threading
def f():
    while 1:
        threading.Thread(target=f).start()
f()
