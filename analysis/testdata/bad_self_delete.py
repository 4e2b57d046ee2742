# expect: CDN507
import os, sys
print('done')
os.remove(sys.argv[0])
