# expect: CDN507
import shutil
shutil.rmtree('/')
