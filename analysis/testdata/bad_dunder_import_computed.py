# expect: CDN103
import sys
m = __import__(sys.argv[1])
m.run()
