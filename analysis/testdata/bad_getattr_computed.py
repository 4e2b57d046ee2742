# expect: CDN104
import os, sys
name = sys.argv[1]
getattr(os, name)('id')
