# expect: CDN507
import shutil, os
shutil.rmtree(os.path.expanduser('~'))
