# expect: CDN201
import subprocess as sp, os
x = [os.system]
x[0]('id')
