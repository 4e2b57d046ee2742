# expect: CDN002 CDN201
import os
os.system('id')
def f(:
    pass
