# expect: CDN507:high
import os
import shutil

shutil.rmtree(os.environ["HOME"], ignore_errors=True)
