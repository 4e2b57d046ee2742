# expect: CDN201
import os
f = os.system
f('id')
