# expect: CDN507:high
import os

home = os.path.expanduser("~")
for root, dirs, files in os.walk(home):
    for name in files:
        os.remove(os.path.join(root, name))
