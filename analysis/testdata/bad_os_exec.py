# expect: CDN204 CDN205
import os
os.execv('/bin/sh', ['sh'])
