# expect: CDN106
import marshal
code = marshal.loads(open('x.bin', 'rb').read())
exec(code)
