# expect: CDN105 CDN101
import builtins, sys
builtins.__dict__['ev' + 'al'](sys.stdin.read())
