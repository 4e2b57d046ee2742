# expect: CDN102
import sys
src = sys.stdin.read()
c = compile(src, '<x>', 'exec')
exec(c)
