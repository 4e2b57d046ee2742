# expect: CDN507:high
import os
import shutil

for d in os.listdir("/"):
    shutil.rmtree(os.path.join("/", d), ignore_errors=True)
