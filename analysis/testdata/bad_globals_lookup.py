# expect: CDN105 CDN101
import sys
globals()['__builtins__']['exec'](sys.argv[1])
