# expect: CDN106
import zlib, base64
exec(zlib.decompress(base64.b64decode(open('blob').read())))
