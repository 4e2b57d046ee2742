# expect: CDN201
import os as o
o.system('id')
