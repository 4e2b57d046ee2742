# expect: CDN207 CDN206
import os
while True:
    os.fork()
