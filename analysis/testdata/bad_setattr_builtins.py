# expect: CDN104
import builtins, sys
setattr(builtins, sys.argv[1], print)
